// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {LibPools} from "../libraries/LibPools.sol";
import {LibRisk} from "../libraries/LibRisk.sol";
import {LibTradeStats} from "../libraries/LibTradeStats.sol";

/// @title RiskFacet
/// @notice A child diamond's risk limits: which tokens and pools its strategies may touch, which
/// keeper addresses (bots) may trigger trades, and per token a per-trade notional cap, a daily loss
/// limit and a drawdown limit. Strategy facets enforce them through LibRisk; when a recorded result
/// breaches a loss limit the child pauses itself (see LibRisk.recordTrade).
///
/// Every setter is owner only; the views are open. All amounts are in the token's base units. A
/// limit that was never set is zero, and zero tolerates nothing: trades above zero notional are
/// rejected and the first loss pauses the child. A loss limit set below what the token has already
/// lost (today, or from its high-water mark) pauses the child at once. Limits are stored packed: a
/// trade cap above 2^120 - 1 or a loss limit above 2^128 - 1 is rejected (SafeCast's error, with the
/// value); pass those maxima for "no practical limit".
///
/// @dev Security considerations: the limits bound what a bot can lose per trade and per day under
/// honest accounting; they rely on strategy facets reporting the true result of each trade to
/// `LibRisk.recordTrade`. A day is a UTC day (`block.timestamp / 1 days`), so losses just before and
/// just after midnight count against two different days. Drawdown is measured from the high-water
/// mark of recorded results, which starts at zero, not from the child's token balance. The owner may
/// not be a bot when set, but nothing stops ownership being transferred later to an address that is
/// a bot; revoke the bot first. Only a recorded loss (or a lowered limit) checks the loss limits: a
/// child the owner unpauses while a breach persists trades on until its next loss.
contract RiskFacet {
    /// @notice Emitted when `token` is added to or removed from the allow-list.
    event TokenAllowed(address indexed token, bool allowed);
    /// @notice Emitted when `pool` is added to or removed from the allow-list.
    event PoolAllowed(address indexed pool, bool allowed);
    /// @notice Emitted when keeper `bot` is allowed or revoked.
    event BotChanged(address indexed bot, bool allowed);
    /// @notice Emitted when `token`'s per-trade notional cap changes.
    event TradeCapChanged(address indexed token, uint256 previousCap, uint256 newCap);
    /// @notice Emitted when `token`'s daily loss limit changes.
    event DailyLossLimitChanged(address indexed token, uint256 previousLimit, uint256 newLimit);
    /// @notice Emitted when `token`'s drawdown limit changes.
    event DrawdownLimitChanged(address indexed token, uint256 previousLimit, uint256 newLimit);

    /// @notice Keeper bots are never the owner key.
    error BotIsOwner(address bot);
    /// @notice The zero address cannot be a bot.
    error ZeroBot();

    /// @notice Allows or disallows trading `token`. Owner only.
    function setTokenAllowed(address token, bool allowed) external {
        LibOwnership.enforceIsOwner();
        LibRisk.layout().tokens[token].allowed = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @notice Allows or disallows trading through `pool`. Owner only.
    function setPoolAllowed(address pool, bool allowed) external {
        LibOwnership.enforceIsOwner();
        LibPools.setAllowed(pool, allowed);
        emit PoolAllowed(pool, allowed);
    }

    /// @notice Allows or revokes keeper `bot`. Owner only; rejects zero and the owner. A bot allowed
    /// for the first time joins the bots the child's trade statistics sum (TradeStatsFacet).
    function setBot(address bot, bool allowed) external {
        LibOwnership.enforceIsOwner();
        if (bot == address(0)) revert ZeroBot();
        if (bot == LibOwnership.owner()) revert BotIsOwner(bot);
        LibRisk.layout().bots[bot] = allowed;
        if (allowed) LibTradeStats.list(bot);
        emit BotChanged(bot, allowed);
    }

    /// @notice Sets the largest notional of one trade in `token` (at most 2^120 - 1). Owner only.
    function setTradeCap(address token, uint256 cap) external {
        LibOwnership.enforceIsOwner();
        LibRisk.TokenRisk storage limits = LibRisk.layout().tokens[token];
        emit TradeCapChanged(token, limits.tradeCap, cap);
        limits.tradeCap = SafeCast.toUint120(cap);
    }

    /// @notice Sets the losses in `token` tolerated per UTC day before the child pauses (at most
    /// 2^128 - 1). Owner only. Pauses the child if today's losses already exceed `limit`.
    function setDailyLossLimit(address token, uint256 limit) external {
        LibOwnership.enforceIsOwner();
        LibRisk.TokenRisk storage limits = LibRisk.layout().tokens[token];
        emit DailyLossLimitChanged(token, limits.dailyLossLimit, limit);
        limits.dailyLossLimit = SafeCast.toUint128(limit);
        LibRisk.pauseIfBreached(token, LibRisk.PauseReason.DailyLoss);
    }

    /// @notice Sets the drop from the high-water mark of cumulative results in `token` tolerated
    /// before the child pauses (at most 2^128 - 1). Owner only. Pauses the child if the present
    /// drawdown already exceeds `limit`.
    function setDrawdownLimit(address token, uint256 limit) external {
        LibOwnership.enforceIsOwner();
        LibRisk.TokenRisk storage limits = LibRisk.layout().tokens[token];
        emit DrawdownLimitChanged(token, limits.drawdownLimit, limit);
        limits.drawdownLimit = SafeCast.toUint128(limit);
        LibRisk.pauseIfBreached(token, LibRisk.PauseReason.Drawdown);
    }

    /// @notice Whether `token` may be traded.
    function isTokenAllowed(address token) external view returns (bool) {
        return LibRisk.layout().tokens[token].allowed;
    }

    /// @notice Whether `pool` may be traded through.
    function isPoolAllowed(address pool) external view returns (bool) {
        return LibPools.isAllowed(LibPools.word(pool));
    }

    /// @notice Whether `account` is an allowed keeper bot.
    function isBot(address account) external view returns (bool) {
        return LibRisk.layout().bots[account];
    }

    /// @notice `token`'s per-trade cap, daily loss limit and drawdown limit.
    function riskLimits(address token)
        external
        view
        returns (uint256 tradeCap, uint256 dailyLossLimit, uint256 drawdownLimit)
    {
        LibRisk.TokenRisk storage limits = LibRisk.layout().tokens[token];
        return (limits.tradeCap, limits.dailyLossLimit, limits.drawdownLimit);
    }

    /// @notice `token`'s running risk state as of now: the current UTC day (`block.timestamp / 1 days`),
    /// the losses recorded on it, the cumulative result and its high-water mark.
    function riskState(address token)
        external
        view
        returns (uint64 day, uint256 dayLoss, int256 cumulativePnl, int256 highWaterMark)
    {
        return LibRisk.currentState(token);
    }
}
