// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibOwnership} from "../diamond/LibOwnership.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";

/// @title MasterPauseFacet
/// @notice The global pause: while the master is paused every child counts as paused
/// (`LibGuardian.isPaused` on a child asks its master), so one call stops all strategies. The
/// master's guardian (a watchdog keeper) or the owner may pause; only the owner may unpause or change
/// the guardian, which may never be the owner. `paused()` and `guardian()` are open.
///
/// @dev Security considerations: the pause stops strategy functions on children that check it; it
/// does not stop the owner, capital allocation or recall on the master, nor a child's emergency
/// withdrawal (which must keep working). A child that does not ask its master (built without
/// LibGuardian) is not stopped. The guardian-is-not-owner check is made when the guardian is set; an
/// ownership transfer to the guardian's address later is not prevented.
contract MasterPauseFacet {
    /// @notice Pauses the master and with it every child. Guardian or owner. Idempotent.
    function pauseAll() external {
        LibGuardian.enforceIsGuardianOrOwner();
        LibGuardian.pause(msg.sender);
    }

    /// @notice Lifts the global pause (children paused on their own stay paused). Owner only.
    function unpauseAll() external {
        LibOwnership.enforceIsOwner();
        LibGuardian.unpause();
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
