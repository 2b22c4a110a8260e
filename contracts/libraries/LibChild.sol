// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibChild
/// @notice A diamond's place under its master, in one storage word of its own namespace: the master
/// diamond (zero on the master itself), the diamond's own pause flag, and its mirror of the master's
/// global pause. They share a word because every trade reads both flags (LibGuardian's pause check)
/// and the master's `MasterPaused` error names the master. Also the one path by which a child sends tokens to the master's
/// treasury (`sendToTreasury`), so the master's capital bookkeeping always hears about it.
/// @dev The flags are written only through LibGuardian (`setPaused`, `setMasterPaused` here are its
/// storage accessors): the local flag by the guardian, the owner or the risk limits, the mirror by the
/// master. On the master diamond `paused` is the global pause and `masterPaused` stays false.
library LibChild {
    using SafeERC20 for IERC20;

    /// @custom:storage-location erc7201:lapidary.child
    struct Layout {
        address master;
        bool paused;
        bool masterPaused;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xf3c0b13e183ff93df442d5b1948abcb8ca06868b7fe98e7d2f180ee75f820a00;

    /// @notice Emitted when the child is attached to a master.
    event MasterChanged(address indexed previousMaster, address indexed newMaster);
    /// @notice Emitted when the child sends `amount` of `token` to its master's treasury.
    event SentToTreasury(address indexed master, address indexed token, uint256 amount);

    /// @notice The master must be a deployed contract.
    error InvalidMaster(address master);
    /// @notice The child has no master to send tokens to.
    error NoMaster();
    /// @notice The caller is not the child's master.
    error NotMaster(address caller);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice The master diamond, or zero (always zero on the master itself).
    function master() internal view returns (address) {
        return layout().master;
    }

    /// @notice The whole word in one read: the master and both pause flags.
    function link() internal view returns (address master_, bool paused, bool masterPaused) {
        Layout memory l = layout();
        return (l.master, l.paused, l.masterPaused);
    }

    /// @notice Attaches the child to `newMaster`, which must be a contract, and starts the mirror of
    /// the master's pause from `newMaster.paused()` (the master pushes every later change).
    function setMaster(address newMaster) internal {
        if (newMaster.code.length == 0) revert InvalidMaster(newMaster);
        bool masterPaused = IMaster(newMaster).paused();
        Layout storage l = layout();
        emit MasterChanged(l.master, newMaster);
        l.master = newMaster;
        l.masterPaused = masterPaused;
    }

    /// @notice Sets the local pause flag; returns false when it already had that value.
    function setPaused(bool paused) internal returns (bool changed) {
        Layout storage l = layout();
        if (l.paused == paused) return false;
        l.paused = paused;
        return true;
    }

    /// @notice Sets the mirror of the master's pause; returns false when it already had that value.
    function setMasterPaused(bool paused) internal returns (bool changed) {
        Layout storage l = layout();
        if (l.masterPaused == paused) return false;
        l.masterPaused = paused;
        return true;
    }

    /// @notice Reverts `NotMaster` unless the caller is this child's master.
    function enforceIsMaster() internal view {
        if (msg.sender != layout().master) revert NotMaster(msg.sender);
    }

    /// @notice Transfers `amount` of `token` to the master, then tells the master with
    /// `IMaster.onCapitalReturned`. Reverts if the master does not accept it (e.g. the child is not
    /// registered there).
    function sendToTreasury(address token, uint256 amount) internal {
        address master_ = layout().master;
        if (master_ == address(0)) revert NoMaster();
        IERC20(token).safeTransfer(master_, amount);
        IMaster(master_).onCapitalReturned(token, amount);
        emit SentToTreasury(master_, token, amount);
    }
}
