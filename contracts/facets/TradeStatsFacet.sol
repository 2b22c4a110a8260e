// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IChildStats} from "../interfaces/IChildStats.sol";
import {IMaster} from "../interfaces/IMaster.sol";
import {LibTradeStats} from "../libraries/LibTradeStats.sol";

/// @title TradeStatsFacet
/// @notice A child diamond's trade statistics, as its strategy facets record them (LibTradeStats):
/// per (keeper bot, token), and per token over all bots. Views only, open to anyone; the master
/// aggregates them over its children on read.
///
/// @dev Security considerations: the figures are what the strategy facets record in the trade's own
/// transaction, as true as those facets. Totals are never reset. The per-token total sums one word
/// per bot ever allowed, so its cost grows with the number of bots (a handful).
contract TradeStatsFacet is IChildStats {
    /// @inheritdoc IChildStats
    function tradeStats(address token) external view returns (IMaster.Stats memory) {
        return LibTradeStats.ofChild(token);
    }

    /// @inheritdoc IChildStats
    function botTradeStats(address bot, address token) external view returns (IMaster.Stats memory) {
        return LibTradeStats.ofBot(bot, token);
    }

    /// @notice Every bot ever allowed on this child, in order of first allowance: the bots
    /// `tradeStats` sums.
    function statsBots() external view returns (address[] memory) {
        return LibTradeStats.layout().bots;
    }
}
