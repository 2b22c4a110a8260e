// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IChildPause} from "../interfaces/IChildPause.sol";
import {LibChild} from "../libraries/LibChild.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";

/// @title GuardianFacet
/// @notice A child diamond's pause switch and fail-safe. The guardian (a watchdog keeper) or the owner
/// may pause the child and may pull every listed token back to the master's treasury
/// (`emergencyWithdraw`, which also pauses). Only the owner may unpause or change the guardian, and
/// the guardian may never be the owner. The master pushes its global pause here (`setMasterPaused`,
/// master only) into a mirror the child keeps in its own storage. `paused()` is true while the
/// child's own flag or that mirror is set; strategy facets check both through
/// `LibGuardian.requireNotPaused`, one storage read and no call to the master.
///
/// @dev Security considerations: pausing stops only the strategy functions that check it; it does
/// not stop the owner (who can also cut the diamond) nor the master recalling capital. The master's
/// `paused()` is the source of truth for the global pause; the mirror here is only as fresh as the
/// master's last push. A push the master could not deliver (this child reverted or ran out of its gas
/// stipend) leaves the mirror stale: the master then emits `ChildPauseNotMirrored` naming this child,
/// and the guardian should pause the child directly (compare `masterPaused()` with the master's
/// `paused()`). Only the master may set the mirror, so neither the guardian nor the owner can clear a
/// global pause here (short of cutting the diamond). Emergency withdrawal sends tokens only to the
/// master, through `LibChild.sendToTreasury`, so a compromised guardian can stop trading and move
/// funds home but cannot take them. It reaches only the tokens the caller lists, and it reverts if the
/// master no longer has this child registered (the master then refuses `onCapitalReturned`). The check
/// that the guardian differs from the owner is made when the guardian is set; an ownership transfer to
/// the guardian's address later is not prevented.
contract GuardianFacet is IChildPause {
    /// @notice Emitted for each token sent home by `emergencyWithdraw`.
    event EmergencyWithdrawal(address indexed token, uint256 amount);

    /// @notice Pauses this child. Guardian or owner. Idempotent.
    function pause() external {
        LibGuardian.enforceIsGuardianOrOwner();
        LibGuardian.pause(msg.sender);
    }

    /// @notice Clears this child's own pause flag. Owner only. The child stays paused while its
    /// master is paused.
    function unpause() external {
        LibOwnership.enforceIsOwner();
        LibGuardian.unpause();
    }

    /// @inheritdoc IChildPause
    function setMasterPaused(bool paused_) external override {
        LibChild.enforceIsMaster();
        LibGuardian.setMasterPaused(paused_);
    }

    /// @notice Sets the guardian (zero for none). Owner only; the guardian must not be the owner.
    function setGuardian(address newGuardian) external {
        LibOwnership.enforceIsOwner();
        LibGuardian.setGuardian(newGuardian);
    }

    /// @notice The guardian, or zero.
    function guardian() external view returns (address) {
        return LibGuardian.guardian();
    }

    /// @notice True while this child's own flag or its mirror of the master's pause is set.
    function paused() external view returns (bool) {
        return LibGuardian.isPaused();
    }

    /// @notice This child's mirror of its master's pause, as last pushed by the master.
    function masterPaused() external view returns (bool) {
        return LibGuardian.isMasterPaused();
    }

    /// @notice Pauses this child and sends its whole balance of each of `tokens` to the master's
    /// treasury. Guardian or owner. Tokens with a zero balance are skipped.
    function emergencyWithdraw(address[] calldata tokens) external {
        LibGuardian.enforceIsGuardianOrOwner();
        LibGuardian.pause(msg.sender);
        for (uint256 i = 0; i < tokens.length; ++i) {
            address token = tokens[i];
            uint256 balance = IERC20(token).balanceOf(address(this));
            if (balance == 0) continue;
            LibChild.sendToTreasury(token, balance);
            emit EmergencyWithdrawal(token, balance);
        }
    }
}
