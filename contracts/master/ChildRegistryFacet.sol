// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IChildPause} from "../interfaces/IChildPause.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibCapital} from "./LibCapital.sol";
import {LibGlobalPause} from "./LibGlobalPause.sol";
import {LibRegistry} from "./LibRegistry.sol";
import {LibStats} from "./LibStats.sol";

/// @title ChildRegistryFacet
/// @notice The master diamond's registry of child diamonds: one child per strategy id (e.g.
/// `keccak256("flash-arb")`), and one strategy id per child. Only registered children may return
/// capital to the master; every child ever registered is summed in the master's statistics.
///
/// The owner adds and removes children; the views are open. A child must be a deployed contract;
/// a child that still holds allocated capital in any token cannot be removed (recall it first).
/// Registering a child also sets its mirror of the global pause (`IChildPause.setMasterPaused`) to
/// the master's state: while the master is paused that push must succeed or the registration reverts,
/// so no child joins during a global pause without being stopped; otherwise a failed push (a child
/// without the mirror) is reported with `ChildPauseNotMirrored` and the child is registered. Removing a
/// child pushes the pause to its mirror: a removed child cannot trade until it is registered again
/// (which pushes the master's state), and its statistics, still summed by the master, stop growing.
///
/// @dev Security considerations: the registry checks that a child has code, not what that code is:
/// the owner must register only diamonds built from Lapidary's facets and pointed at this master. A
/// registered child is trusted to report truthfully (`onCapitalReturned`, its statistics). Allocation
/// caps are kept when a child is removed and apply again if the same address is re-registered. A
/// removed child that refuses the pause push (one without the mirror) is still removed, with
/// `ChildPauseNotMirrored`; pause it through its own guardian.
contract ChildRegistryFacet {
    /// @notice `child` still has capital allocated in `tokenCount` tokens.
    error ChildHasCapital(address child, uint256 tokenCount);

    /// @notice Registers `child` for `strategyId` and pushes the global pause state to it. Owner only.
    /// Rejects the zero id, an address without code (or the master itself), an id already in use, a
    /// child already registered, and, while the master is paused, a child that refuses the pause.
    function addChild(bytes32 strategyId, address child) external {
        LibOwnership.enforceIsOwner();
        LibRegistry.add(strategyId, child);
        LibStats.track(child);
        if (LibGuardian.isPaused()) {
            IChildPause(child).setMasterPaused(true);
        } else {
            LibGlobalPause.tryPush(child, false);
        }
    }

    /// @notice Unregisters the child of `strategyId` and pushes the pause to its mirror, so it stops
    /// trading. Owner only. Refuses while the child has capital allocated in any token.
    function removeChild(bytes32 strategyId) external {
        LibOwnership.enforceIsOwner();
        address child = LibRegistry.layout().childOf[strategyId];
        uint256 outstanding = LibCapital.outstandingTokenCount(child);
        if (outstanding != 0) revert ChildHasCapital(child, outstanding);
        LibRegistry.remove(strategyId);
        LibGlobalPause.tryPush(child, true);
    }

    /// @notice The child registered for `strategyId`, or zero.
    function childOf(bytes32 strategyId) external view returns (address) {
        return LibRegistry.layout().childOf[strategyId];
    }

    /// @notice The strategy id `child` is registered for, or zero.
    function strategyOf(address child) external view returns (bytes32) {
        return LibRegistry.layout().strategyOf[child];
    }

    /// @notice Whether `account` is a registered child.
    function isChild(address account) external view returns (bool) {
        return LibRegistry.isChild(account);
    }

    /// @notice Every registered strategy id and its child, in matching order. The order changes when
    /// a child is removed (the last entry takes the removed one's place).
    function children() external view returns (bytes32[] memory strategyIds, address[] memory childAddresses) {
        LibRegistry.Layout storage l = LibRegistry.layout();
        strategyIds = l.strategyIds;
        childAddresses = new address[](strategyIds.length);
        for (uint256 i = 0; i < strategyIds.length; ++i) {
            childAddresses[i] = l.childOf[strategyIds[i]];
        }
    }
}
