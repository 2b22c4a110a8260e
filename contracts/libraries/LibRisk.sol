// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {LibGuardian} from "./LibGuardian.sol";

/// @title LibRisk
/// @notice A child diamond's risk limits and running per-token risk state, and the checks every
/// strategy facet runs around a trade: `requireBot`, `requirePool` and `checkTrade` before it,
/// `recordResult` after it.
/// @dev Everything fails closed: a token, pool or bot that was never allowed is rejected, and a limit
/// of zero tolerates nothing (a zero trade cap allows only zero notional; a zero loss or drawdown limit
/// pauses the child on the first loss).
library LibRisk {
    /// @notice Why `recordResult` paused the child.
    enum PauseReason {
        DailyLoss,
        Drawdown
    }

    /// @notice Per-token limits, in the token's base units.
    struct Limits {
        bool allowed;
        uint256 tradeCap;
        uint256 dailyLossLimit;
        uint256 drawdownLimit;
    }

    /// @notice Per-token running state, updated by `recordResult`.
    /// @param day The UTC day (`block.timestamp / 1 days`) `dayLoss` belongs to.
    /// @param dayLoss Sum of the losses recorded on `day` (profits do not offset it).
    /// @param cumulativePnl Sum of every recorded result.
    /// @param highWaterMark Highest `cumulativePnl` seen (starts at zero).
    struct State {
        uint64 day;
        uint256 dayLoss;
        int256 cumulativePnl;
        int256 highWaterMark;
    }

    /// @custom:storage-location erc7201:lapidary.child.risk
    struct Layout {
        mapping(address token => Limits) limits;
        mapping(address token => State) state;
        mapping(address pool => bool) pools;
        mapping(address bot => bool) bots;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.risk")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x9c44f74b0a4876b263807a5a14265390235808da3449bde393c62c3d87f03600;

    /// @notice Emitted when a breach of `token`'s limits paused the child.
    event AutoPaused(address indexed token, PauseReason reason);

    /// @notice The caller is not an allowed keeper bot.
    error NotBot(address caller);
    /// @notice The pool is not on the allow-list.
    error PoolNotAllowed(address pool);
    /// @notice The token is not on the allow-list.
    error TokenNotAllowed(address token);
    /// @notice The trade's notional is above the token's per-trade cap.
    error TradeCapExceeded(address token, uint256 notional, uint256 cap);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Reverts `NotBot` unless `account` is an allowed keeper bot.
    function requireBot(address account) internal view {
        if (!layout().bots[account]) revert NotBot(account);
    }

    /// @notice Reverts `PoolNotAllowed` unless `pool` is allowed.
    function requirePool(address pool) internal view {
        if (!layout().pools[pool]) revert PoolNotAllowed(pool);
    }

    /// @notice Reverts unless `token` is allowed and `notional` is within its per-trade cap.
    function checkTrade(address token, uint256 notional) internal view {
        Limits storage limits = layout().limits[token];
        if (!limits.allowed) revert TokenNotAllowed(token);
        if (notional > limits.tradeCap) revert TradeCapExceeded(token, notional, limits.tradeCap);
    }

    /// @notice Records a trade's result `pnl` in `token` and pauses the child (through LibGuardian)
    /// when the day's losses exceed the daily loss limit or the drawdown from the high-water mark
    /// exceeds the drawdown limit.
    /// @dev Never reverts on a breach: the loss has already happened, and reverting would undo the
    /// pause along with it. The caller decides whether to go on once paused.
    /// @return paused True when this result paused the child.
    function recordResult(address token, int256 pnl) internal returns (bool paused) {
        Layout storage l = layout();
        State storage state = l.state[token];
        uint64 today = uint64(block.timestamp / 1 days);
        if (state.day != today) {
            state.day = today;
            state.dayLoss = 0;
        }
        if (pnl < 0) state.dayLoss += SignedMath.abs(pnl);
        int256 cumulative = state.cumulativePnl + pnl;
        state.cumulativePnl = cumulative;
        if (cumulative > state.highWaterMark) state.highWaterMark = cumulative;

        Limits storage limits = l.limits[token];
        if (state.dayLoss > limits.dailyLossLimit) {
            return _autoPause(token, PauseReason.DailyLoss);
        }
        // The high-water mark is never below the cumulative result, so the difference is >= 0.
        if (uint256(state.highWaterMark - cumulative) > limits.drawdownLimit) {
            return _autoPause(token, PauseReason.Drawdown);
        }
        return false;
    }

    function _autoPause(address token, PauseReason reason) private returns (bool) {
        LibGuardian.pause(address(this));
        emit AutoPaused(token, reason);
        return true;
    }
}
