// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {LibGuardian} from "./LibGuardian.sol";
import {LibPools} from "./LibPools.sol";

/// @title LibRisk
/// @notice A child diamond's risk limits and running per-token risk state, and the checks every
/// strategy facet runs around a trade: `requireBot`, `requirePool` and `checkTrade` before it,
/// `recordResult` after it.
/// @dev Everything fails closed: a token, pool or bot that was never allowed is rejected, and a limit
/// of zero tolerates nothing (a zero trade cap allows only zero notional; a zero loss or drawdown limit
/// pauses the child on the first loss). Limits and state are packed so that what a trade reads shares
/// words: the token's allow flag and cap (one word, every trade), its result totals (one word, every
/// trade), its day's loss (one word) and loss limits (one word), both read only when a loss is
/// recorded. Only a loss can breach a limit (see `recordResult`), and a limit set below what has
/// already been lost pauses the child at once (`pauseIfBreached`).
library LibRisk {
    /// @notice Why the child was paused by its risk limits.
    enum PauseReason {
        DailyLoss,
        Drawdown
    }

    /// @notice Per-token limits, in the token's base units.
    /// @param allowed Whether the token may be traded; shares the word `checkTrade` reads with the cap.
    /// @param tradeCap Largest notional of one trade (up to 2^248 - 1).
    /// @param dailyLossLimit Losses tolerated per UTC day (up to 2^128 - 1).
    /// @param drawdownLimit Drop from the high-water mark tolerated (up to 2^128 - 1).
    struct Limits {
        bool allowed;
        uint248 tradeCap;
        uint128 dailyLossLimit;
        uint128 drawdownLimit;
    }

    /// @notice Per-token running state, updated by `recordResult`. Every sum is checked: a result that
    /// would take one past its width reverts, and with it the trade.
    /// @param cumulativePnl Sum of every recorded result (+/-1.7e38 base units).
    /// @param highWaterMark Highest `cumulativePnl` seen (starts at zero); shares its word.
    /// @param day The UTC day (`block.timestamp / 1 days`) of the last recorded loss.
    /// @param dayLoss Sum of the losses recorded on `day` (profits do not offset it).
    struct State {
        int128 cumulativePnl;
        int128 highWaterMark;
        uint64 day;
        uint192 dayLoss;
    }

    /// @custom:storage-location erc7201:lapidary.child.risk
    struct Layout {
        mapping(address token => Limits) limits;
        mapping(address token => State) state;
        mapping(address pool => bool) retiredPools; // unused: the pool allow-list is in LibPools' word
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

    /// @notice Reverts `PoolNotAllowed` unless `pool` is allowed (its bit in LibPools' word, which a
    /// strategy that reads the word anyway checks itself).
    function requirePool(address pool) internal view {
        if (!LibPools.isAllowed(LibPools.word(pool))) revert PoolNotAllowed(pool);
    }

    /// @notice Reverts unless `token` is allowed and `notional` is within its per-trade cap.
    function checkTrade(address token, uint256 notional) internal view {
        Limits storage limits = layout().limits[token];
        (bool allowed, uint256 cap) = (limits.allowed, limits.tradeCap);
        if (!allowed) revert TokenNotAllowed(token);
        if (notional > cap) revert TradeCapExceeded(token, notional, cap);
    }

    /// @notice Records a trade's result `pnl` in `token` and pauses the child (through LibGuardian)
    /// when the day's losses exceed the daily loss limit or the drawdown from the high-water mark
    /// exceeds the drawdown limit.
    /// @dev Only a loss can cause a breach: a profit adds nothing to the day's loss and can only shrink
    /// the drawdown (the mark rises at most to the new cumulative result). So a profit touches only
    /// the totals word, and a loss also the day's word and checks both limits. The limit setters close
    /// the remaining gap (a limit lowered below the present values) by pausing at once. A child the
    /// owner unpauses while a breach persists trades on until its next loss, which pauses it again.
    /// Never reverts on a breach: the loss has already happened, and reverting would undo the pause
    /// along with it. The caller decides whether to go on once paused.
    /// @return paused True when this result paused the child.
    function recordResult(address token, int256 pnl) internal returns (bool paused) {
        Layout storage l = layout();
        State storage state = l.state[token];
        (int128 previous, int128 highWaterMark) = (state.cumulativePnl, state.highWaterMark);
        int128 cumulative = SafeCast.toInt128(previous + pnl);
        if (pnl >= 0) {
            if (cumulative > highWaterMark) highWaterMark = cumulative;
            (state.cumulativePnl, state.highWaterMark) = (cumulative, highWaterMark);
            return false;
        }
        state.cumulativePnl = cumulative;
        uint256 dayLoss = _todayLoss(state) + SignedMath.abs(pnl);
        (state.day, state.dayLoss) = (_today(), SafeCast.toUint192(dayLoss));

        Limits storage limits = l.limits[token];
        if (dayLoss > limits.dailyLossLimit) return _autoPause(token, PauseReason.DailyLoss);
        if (_drawdown(cumulative, highWaterMark) > limits.drawdownLimit) {
            return _autoPause(token, PauseReason.Drawdown);
        }
        return false;
    }

    /// @notice Pauses the child when `token`'s present results already exceed the limit behind
    /// `reason`: a limit set below what has been lost takes effect at once, not at the next loss.
    /// @return paused True when the limit is breached (the child is paused, possibly already was).
    function pauseIfBreached(address token, PauseReason reason) internal returns (bool paused) {
        Layout storage l = layout();
        State storage state = l.state[token];
        Limits storage limits = l.limits[token];
        bool breached = reason == PauseReason.DailyLoss
            ? _todayLoss(state) > limits.dailyLossLimit
            : _drawdown(state.cumulativePnl, state.highWaterMark) > limits.drawdownLimit;
        return breached && _autoPause(token, reason);
    }

    /// @notice `token`'s state as of now: today's loss (zero when the last loss was on an earlier
    /// day), the cumulative result and the high-water mark.
    function currentState(address token)
        internal
        view
        returns (uint64 today, uint256 dayLoss, int256 cumulativePnl, int256 highWaterMark)
    {
        State storage state = layout().state[token];
        return (_today(), _todayLoss(state), state.cumulativePnl, state.highWaterMark);
    }

    function _today() private view returns (uint64) {
        return uint64(block.timestamp / 1 days);
    }

    function _todayLoss(State storage state) private view returns (uint256) {
        return state.day == _today() ? state.dayLoss : 0;
    }

    /// @dev The high-water mark is never below the cumulative result, so the difference is >= 0 and,
    /// both being int128, fits 128 bits.
    function _drawdown(int128 cumulative, int128 highWaterMark) private pure returns (uint256) {
        return uint256(int256(highWaterMark) - cumulative);
    }

    function _autoPause(address token, PauseReason reason) private returns (bool) {
        LibGuardian.pause(address(this));
        emit AutoPaused(token, reason);
        return true;
    }
}
