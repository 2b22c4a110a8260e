// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title What a child diamond calls on its master
/// @notice The master diamond's surface as seen by its registered children: the global pause flag
/// (read when a child is attached; afterwards the master pushes every change, see IChildPause) and the
/// capital-return callback. Trades are not reported: the master sums its children's own statistics on
/// read (IChildStats), so a trade never calls the master.
interface IMaster {
    /// @notice Aggregated trading statistics for one (child or bot, token) pair, as the views return
    /// them (each child stores them per bot packed in one word: see LibTradeStats.Totals for the widths).
    /// @param trades Number of trades reported.
    /// @param volume Sum of the reported notional volumes, in the token's base units.
    /// @param realizedProfit Sum of the reported profits (negative for losses), in the token's base units.
    struct Stats {
        uint64 trades;
        uint256 volume;
        int256 realizedProfit;
    }

    /// @notice True while the master (and so every child) is paused. The source of truth for the global
    /// pause; children check their mirror of it.
    function paused() external view returns (bool);

    /// @notice Tells the master that the calling child has just transferred `amount` of `token` to it.
    /// Callable only by a registered child; reduces the child's allocation by at most what it holds.
    function onCapitalReturned(address token, uint256 amount) external;
}
