// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMaster} from "../interfaces/IMaster.sol";
import {LibRegistry} from "./LibRegistry.sol";
import {LibStats} from "./LibStats.sol";

/// @title StatsFacet
/// @notice The master diamond's trade statistics: registered children report each trade (the keeper
/// bot that triggered it, the token, its notional volume and realized profit), and the master keeps
/// running totals per (child, token) and per (bot, token). Only registered children may report; the
/// views are open.
///
/// @dev Security considerations: the figures are what children report, not measured here; they are
/// as true as the reporting facets. A bot's totals aggregate over every child it trades for. Counts
/// and sums are never reset, also not when a child is removed. Each total is one packed word (see
/// `LibStats.Totals` for the widths); a report that would overflow one reverts, and with it the
/// child's trade, so a total that reaches its width stops that child (or bot) trading that token.
contract StatsFacet {
    /// @notice Records one trade of the calling child. Registered children only.
    /// @param bot The keeper address that triggered the trade.
    /// @param token The token the volume and profit are denominated in.
    /// @param volume The trade's notional, in base units.
    /// @param profit The realized profit (negative for a loss), in base units.
    function reportTrade(address bot, address token, uint256 volume, int256 profit) external {
        LibRegistry.enforceIsChild(msg.sender);
        LibStats.record(msg.sender, bot, token, volume, profit);
    }

    /// @notice The totals of `child` in `token`.
    function childStats(address child, address token) external view returns (IMaster.Stats memory) {
        return LibStats.toStats(LibStats.layout().byChild[child][token]);
    }

    /// @notice The totals of keeper `bot` in `token`, over all children.
    function botStats(address bot, address token) external view returns (IMaster.Stats memory) {
        return LibStats.toStats(LibStats.layout().byBot[bot][token]);
    }
}
