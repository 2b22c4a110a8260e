// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LibOwnership} from "../diamond/LibOwnership.sol";
import {LibChild} from "./LibChild.sol";

/// @title LibGuardian
/// @notice A diamond's guardian and pause, shared by the master (global pause) and the children
/// (local pause). A child counts as paused when its own flag is set or its mirror of the master's
/// pause is; the master pushes its pause to every registered child (MasterPauseFacet), so the
/// per-trade check reads one word of the child's own storage and calls nobody. On the master the
/// mirror stays false, so only its own flag counts, and that flag is the global pause.
/// @dev The flags live in LibChild's trade word, beside the child strategy's settings, so that
/// `requireNotPaused` costs one storage read and hands the strategy its settings. The guardian is a
/// fail-safe key (a watchdog keeper): it may pause, never unpause. It must differ from the owner so
/// that losing one key does not hand over both powers.
library LibGuardian {
    /// @custom:storage-location erc7201:lapidary.guardian
    struct Layout {
        address guardian;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.guardian")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xf3d8a428fce518a0f4712fae3a5c5ac99df6776c334b2fcd7726c7e80f62d600;

    /// @notice Emitted when `account` sets the pause flag.
    event Paused(address account);
    /// @notice Emitted when `account` clears the pause flag.
    event Unpaused(address account);
    /// @notice Emitted on a child when its master pushes a change of the global pause.
    event MasterPauseMirrored(address indexed master, bool paused);
    /// @notice Emitted when the guardian changes (zero means none).
    event GuardianChanged(address indexed previousGuardian, address indexed newGuardian);

    /// @notice The caller is neither the guardian nor the owner.
    error NotGuardianOrOwner(address caller);
    /// @notice The guardian must not be the owner.
    error GuardianIsOwner(address guardian);
    /// @notice This child is paused (by its guardian, its owner or its risk limits).
    error ChildPaused();
    /// @notice The master diamond is paused, and with it every child.
    error MasterPaused(address master);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    function guardian() internal view returns (address) {
        return layout().guardian;
    }

    /// @notice Sets the guardian; zero removes it. Rejects the current owner.
    function setGuardian(address newGuardian) internal {
        if (newGuardian != address(0) && newGuardian == LibOwnership.owner()) revert GuardianIsOwner(newGuardian);
        Layout storage l = layout();
        emit GuardianChanged(l.guardian, newGuardian);
        l.guardian = newGuardian;
    }

    /// @notice Reverts `NotGuardianOrOwner` unless the caller is the guardian or the owner.
    function enforceIsGuardianOrOwner() internal view {
        if (msg.sender != layout().guardian && msg.sender != LibOwnership.owner()) {
            revert NotGuardianOrOwner(msg.sender);
        }
    }

    /// @notice Sets the local pause flag on behalf of `by`. Idempotent: pausing a paused diamond
    /// changes nothing and emits nothing, so fail-safes never fail for being late.
    function pause(address by) internal {
        if (LibChild.setPaused(true)) emit Paused(by);
    }

    /// @notice Clears the local pause flag (the caller's authority is checked by the facet).
    /// Idempotent. A child stays paused while its mirror of the master's pause is set.
    function unpause() internal {
        if (LibChild.setPaused(false)) emit Unpaused(msg.sender);
    }

    /// @notice Sets a child's mirror of its master's pause (the caller must be the master; checked
    /// by the facet). Idempotent.
    function setMasterPaused(bool paused) internal {
        if (LibChild.setMasterPaused(paused)) emit MasterPauseMirrored(msg.sender, paused);
    }

    /// @notice True when the local flag or the mirror of the master's pause is set.
    function isPaused() internal view returns (bool) {
        (bool paused, bool masterPaused,) = LibChild.tradeWord();
        return paused || masterPaused;
    }

    /// @notice True while the mirror of the master's pause is set (always false on the master).
    function isMasterPaused() internal view returns (bool) {
        (, bool masterPaused,) = LibChild.tradeWord();
        return masterPaused;
    }

    /// @notice Reverts `ChildPaused` or `MasterPaused` while paused; otherwise returns the child
    /// strategy's bits of the trade word (see LibChild), read in the same storage word as the flags.
    function requireNotPaused() internal view returns (uint240 strategyConfig) {
        (bool paused, bool masterPaused, uint240 strategy) = LibChild.tradeWord();
        if (paused) revert ChildPaused();
        if (masterPaused) revert MasterPaused(LibChild.master());
        return strategy;
    }
}
