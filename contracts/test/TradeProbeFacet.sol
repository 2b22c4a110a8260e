// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibRisk} from "../libraries/LibRisk.sol";

/// @title TradeProbeFacet (test only)
/// @notice A stand-in for a strategy facet: runs the risk, pause and statistics steps a real strategy
/// (FlashArbFacet) runs around a trade, with the trade itself replaced by a given result `pnl`.
/// Moves no tokens.
contract TradeProbeFacet {
    /// @notice Emitted for every probe trade; `autoPaused` is true when its result paused the child.
    event ProbeTraded(
        address indexed bot, address indexed pool, address indexed token, uint256 notional, int256 pnl, bool autoPaused
    );

    /// @notice Runs the checks of a trade of `notional` in `token` through `pool` and records `pnl`.
    function probeTrade(address pool, address token, uint256 notional, int256 pnl) external {
        LibRisk.requireBot(msg.sender);
        LibGuardian.requireNotPaused();
        LibRisk.requirePool(pool);
        LibRisk.checkTrade(token, notional);
        bool autoPaused = LibRisk.recordTrade(msg.sender, token, notional, pnl);
        emit ProbeTraded(msg.sender, pool, token, notional, pnl, autoPaused);
    }
}
