// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMaster} from "./IMaster.sol";

/// @title What the master reads from a child diamond to aggregate trade statistics
/// @notice Each child keeps its own statistics, written with every trade; the master sums them on
/// read (`StatsFacet`), so a trade never calls the master.
interface IChildStats {
    /// @notice This child's totals in `token`, over every keeper bot that traded it here.
    function tradeStats(address token) external view returns (IMaster.Stats memory);

    /// @notice The totals of keeper `bot` in `token` on this child.
    function botTradeStats(address bot, address token) external view returns (IMaster.Stats memory);
}
