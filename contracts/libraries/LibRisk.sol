// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {LibGuardian} from "./LibGuardian.sol";
import {LibPools} from "./LibPools.sol";
import {LibTradeStats} from "./LibTradeStats.sol";

/// @title LibRisk
/// @notice A child diamond's risk limits and running per-token risk state, and the checks every
/// strategy facet runs around a trade: `requireBot`, `requirePool` and `checkTrade` before it,
/// `recordTrade` after it.
/// @dev Everything fails closed: a token, pool or bot that was never allowed is rejected, and a limit
/// of zero tolerates nothing (a zero trade cap allows only zero notional; a zero loss or drawdown limit
/// pauses the child on the first loss). A token's state is packed so that a trade touches as few
/// words as possible: its allow flag, cap and present drawdown share the word `checkTrade` reads (so a
/// profit at the high-water mark writes nothing here), the cumulative result is not stored at all but
/// summed on read from the trade statistics (LibTradeStats, one word per bot and token, which
/// `recordTrade` writes with every trade), and the day's loss (one word) and the loss limits (one
/// word) are read only when a loss is recorded. Only a loss can breach a limit (see `recordTrade`),
/// and a limit set below what has already been lost pauses the child at once (`pauseIfBreached`).
library LibRisk {
    /// @notice Why the child was paused by its risk limits.
    enum PauseReason {
        DailyLoss,
        Drawdown
    }

    /// @notice Per-token limits and running state, in the token's base units. Every sum is checked:
    /// a result that would take one past its width reverts, and with it the trade.
    /// @param allowed Whether the token may be traded.
    /// @param tradeCap Largest notional of one trade (up to 2^120 - 1, the width of the statistics'
    /// volume).
    /// @param drawdown How far the cumulative result is below its high-water mark (which starts at
    /// zero), up to 2^128 - 1; shares the word with `allowed` and `tradeCap`.
    /// @param dailyLossLimit Losses tolerated per UTC day (up to 2^128 - 1).
    /// @param drawdownLimit Drawdown tolerated (up to 2^128 - 1).
    /// @param day The UTC day (`block.timestamp / 1 days`) of the last recorded loss.
    /// @param dayLoss Sum of the losses recorded on `day` (profits do not offset it).
    struct TokenRisk {
        bool allowed;
        uint120 tradeCap;
        uint128 drawdown;
        uint128 dailyLossLimit;
        uint128 drawdownLimit;
        uint64 day;
        uint192 dayLoss;
    }

    /// @custom:storage-location erc7201:lapidary.child.risk
    struct Layout {
        mapping(address token => TokenRisk) tokens;
        mapping(address token => uint256) retiredState; // unused: the results live in LibTradeStats
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
        TokenRisk storage risk = layout().tokens[token];
        (bool allowed, uint256 cap) = (risk.allowed, risk.tradeCap);
        if (!allowed) revert TokenNotAllowed(token);
        if (notional > cap) revert TradeCapExceeded(token, notional, cap);
    }

    /// @notice Records a trade of `bot` in `token`, of `notional` with result `pnl`: in the trade
    /// statistics (LibTradeStats, the bot's word in the token) and in the risk state; pauses the child
    /// (through LibGuardian) when the day's losses exceed the daily loss limit or the drawdown from the
    /// high-water mark exceeds the drawdown limit.
    /// @dev Only a loss can cause a breach: a profit adds nothing to the day's loss and can only shrink
    /// the drawdown (the mark rises at most to the new cumulative result). So a profit writes the
    /// statistics word and, below the high-water mark, the drawdown; a loss also the day's word, and
    /// checks both limits. The limit setters close the remaining gap (a limit lowered below the present
    /// values) by pausing at once. A child the owner unpauses while a breach persists trades on until
    /// its next loss, which pauses it again. Never reverts on a breach: the loss has already happened,
    /// and reverting would undo the pause along with it. The caller decides whether to go on once
    /// paused.
    /// @return paused True when this result paused the child.
    function recordTrade(address bot, address token, uint256 notional, int256 pnl) internal returns (bool paused) {
        LibTradeStats.record(bot, token, notional, pnl);
        TokenRisk storage risk = layout().tokens[token];
        uint256 drawdown = risk.drawdown;
        if (pnl >= 0) {
            uint256 profit = uint256(pnl);
            if (drawdown != 0) risk.drawdown = uint128(drawdown > profit ? drawdown - profit : 0);
            return false;
        }
        uint256 loss = SignedMath.abs(pnl);
        drawdown += loss;
        risk.drawdown = SafeCast.toUint128(drawdown);
        uint256 dayLoss = _todayLoss(risk) + loss;
        (risk.day, risk.dayLoss) = (_today(), SafeCast.toUint192(dayLoss));

        if (dayLoss > risk.dailyLossLimit) return _autoPause(token, PauseReason.DailyLoss);
        if (drawdown > risk.drawdownLimit) return _autoPause(token, PauseReason.Drawdown);
        return false;
    }

    /// @notice Pauses the child when `token`'s present results already exceed the limit behind
    /// `reason`: a limit set below what has been lost takes effect at once, not at the next loss.
    /// @return paused True when the limit is breached (the child is paused, possibly already was).
    function pauseIfBreached(address token, PauseReason reason) internal returns (bool paused) {
        TokenRisk storage risk = layout().tokens[token];
        bool breached = reason == PauseReason.DailyLoss
            ? _todayLoss(risk) > risk.dailyLossLimit
            : risk.drawdown > risk.drawdownLimit;
        return breached && _autoPause(token, reason);
    }

    /// @notice `token`'s state as of now: today's loss (zero when the last loss was on an earlier
    /// day), the cumulative result (the sum of every bot's realized profit in the statistics) and the
    /// high-water mark (the cumulative result plus the drawdown).
    function currentState(address token)
        internal
        view
        returns (uint64 today, uint256 dayLoss, int256 cumulativePnl, int256 highWaterMark)
    {
        TokenRisk storage risk = layout().tokens[token];
        cumulativePnl = LibTradeStats.ofChild(token).realizedProfit;
        return (_today(), _todayLoss(risk), cumulativePnl, cumulativePnl + int256(uint256(risk.drawdown)));
    }

    function _today() private view returns (uint64) {
        return uint64(block.timestamp / 1 days);
    }

    function _todayLoss(TokenRisk storage risk) private view returns (uint256) {
        return risk.day == _today() ? risk.dayLoss : 0;
    }

    function _autoPause(address token, PauseReason reason) private returns (bool) {
        LibGuardian.pause(address(this));
        emit AutoPaused(token, reason);
        return true;
    }
}
