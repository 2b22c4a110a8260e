// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC173} from "../interfaces/IERC173.sol";

/// @title LibOwnership
/// @notice The diamond's owner (ERC-173) with two-step transfer, in its own namespaced storage.
/// Every facet that restricts a function to the owner calls `enforceIsOwner`.
library LibOwnership {
    /// @custom:storage-location erc7201:lapidary.ownership
    struct Layout {
        address owner;
        address pendingOwner;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.ownership")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x521cbcc463dfa43500d1642b72bd1991c933cb3894c43cfc89ba18449559b200;

    /// @notice Emitted when a transfer is proposed; it completes when `newOwner` accepts.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice The caller is not the proposed owner.
    error NotPendingOwner(address caller);
    /// @notice The zero address cannot own a diamond.
    error ZeroOwner();

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    function owner() internal view returns (address) {
        return layout().owner;
    }

    function enforceIsOwner() internal view {
        if (msg.sender != layout().owner) revert NotOwner(msg.sender);
    }

    /// @notice Sets the owner immediately (construction) and clears any pending transfer.
    function setOwner(address newOwner) internal {
        if (newOwner == address(0)) revert ZeroOwner();
        Layout storage l = layout();
        address previous = l.owner;
        l.owner = newOwner;
        delete l.pendingOwner;
        emit IERC173.OwnershipTransferred(previous, newOwner);
    }

    /// @notice Proposes `newOwner`; zero cancels a pending proposal.
    function proposeOwner(address newOwner) internal {
        layout().pendingOwner = newOwner;
        emit OwnershipTransferStarted(layout().owner, newOwner);
    }
}
