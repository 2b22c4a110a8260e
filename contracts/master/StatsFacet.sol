// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMaster} from "../interfaces/IMaster.sol";
import {LibStats} from "./LibStats.sol";

/// @title StatsFacet
/// @notice The master diamond's trade statistics per (child, token) and per (keeper bot, token),
/// aggregated on read from what each child records with its trades (IChildStats): a trade writes
/// one word in its own child and never calls the master. The views are open.
///
/// @dev Security considerations: the figures are what children record, not measured here; they are
/// as true as the children's strategy facets (a registered child is trusted, see ChildRegistryFacet).
/// Every child ever registered is summed, also after its removal, so counts and sums are never reset.
/// A bot's totals aggregate over every child it traded for. Each view reads every child it sums
/// (`botStats` all of them), so its cost grows with the number of children; a child that does not
/// answer the statistics views makes them revert rather than report a partial figure. A (bot, token)
/// word in a child has fixed widths (LibTradeStats.Totals); a trade that would overflow one reverts,
/// so a total that reaches its width stops that bot trading that token on that child.
contract StatsFacet {
    /// @notice The totals of `child` in `token` (zero for an address never registered).
    function childStats(address child, address token) external view returns (IMaster.Stats memory) {
        return LibStats.ofChild(child, token);
    }

    /// @notice The totals of keeper `bot` in `token`, over all children ever registered.
    function botStats(address bot, address token) external view returns (IMaster.Stats memory) {
        return LibStats.ofBot(bot, token);
    }

    /// @notice Every child ever registered, in order of first registration: the children the views sum.
    function statsChildren() external view returns (address[] memory) {
        return LibStats.layout().children;
    }
}
