// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibOwnership} from "../diamond/LibOwnership.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibGlobalPause} from "./LibGlobalPause.sol";

/// @title MasterPauseFacet
/// @notice The global pause: while the master is paused every child counts as paused, so one call
/// stops all strategies. The master's own flag is the global pause (`paused()`); `pauseAll` and
/// `unpauseAll` also push it to every registered child, which keeps a mirror in its own storage
/// (`IChildPause.setMasterPaused`) so that its per-trade check never calls the master. The master's
/// guardian (a watchdog keeper) or the owner may pause; only the owner may unpause or change the
/// guardian, which may never be the owner. `paused()` and `guardian()` are open.
///
/// @dev Security considerations: the master's `paused()` stays the source of truth; a child's
/// mirror is only as fresh as the last push that reached it. A push that fails for one child (no
/// code, a revert such as a child attached to another master, or more than `LibGlobalPause.PUSH_GAS`
/// spent) does not stop the others: the master emits `ChildPauseNotMirrored` naming the child, and
/// that child keeps trading until it is paused some other way. The watchdog must act on that event
/// (pause the child through its own guardian, or fix and re-push). Both functions push on every call,
/// also when the flag does not change, so calling one again retries the children a push missed. The
/// cost grows with the number of children (about 15,000 gas each). The pause stops strategy functions
/// on children that check it; it does not stop the owner, capital allocation or recall on the master,
/// nor a child's emergency withdrawal (which must keep working). The guardian-is-not-owner check is
/// made when the guardian is set; an ownership transfer to the guardian's address later is not
/// prevented.
contract MasterPauseFacet {
    /// @notice Pauses the master and with it every child, and pushes the pause to every registered
    /// child. Guardian or owner. Idempotent (the push is repeated).
    function pauseAll() external {
        LibGuardian.enforceIsGuardianOrOwner();
        LibGuardian.pause(msg.sender);
        LibGlobalPause.pushToAll(true);
    }

    /// @notice Lifts the global pause and pushes that to every registered child (children paused on
    /// their own stay paused). Owner only. Idempotent (the push is repeated).
    function unpauseAll() external {
        LibOwnership.enforceIsOwner();
        LibGuardian.unpause();
        LibGlobalPause.pushToAll(false);
    }

    /// @notice True while the global pause is on.
    function paused() external view returns (bool) {
        return LibGuardian.isPaused();
    }

    /// @notice Sets the master's guardian (zero for none). Owner only; the guardian must not be the
    /// owner.
    function setGuardian(address newGuardian) external {
        LibOwnership.enforceIsOwner();
        LibGuardian.setGuardian(newGuardian);
    }

    /// @notice The master's guardian, or zero.
    function guardian() external view returns (address) {
        return LibGuardian.guardian();
    }
}
