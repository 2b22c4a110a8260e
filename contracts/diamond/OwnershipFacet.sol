// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC173} from "../interfaces/IERC173.sol";
import {LibOwnership} from "./LibOwnership.sol";

/// @title OwnershipFacet
/// @notice ERC-173 ownership with a two-step transfer: the owner proposes, the new owner accepts.
/// @dev A mistyped address can never take the diamond: until accepted, the old owner stays in
/// control and can propose again (or propose zero to cancel). Renouncing is not offered: a diamond
/// without an owner could never be upgraded or unpaused.
contract OwnershipFacet is IERC173 {
    /// @inheritdoc IERC173
    function owner() external view override returns (address) {
        return LibOwnership.owner();
    }

    /// @notice The proposed owner, or zero.
    function pendingOwner() external view returns (address) {
        return LibOwnership.layout().pendingOwner;
    }

    /// @notice Proposes `newOwner`; takes effect when they call `acceptOwnership`. Owner only.
    function transferOwnership(address newOwner) external override {
        LibOwnership.enforceIsOwner();
        LibOwnership.proposeOwner(newOwner);
    }

    /// @notice Completes a transfer. Only the proposed owner.
    function acceptOwnership() external {
        address pending = LibOwnership.layout().pendingOwner;
        if (msg.sender != pending || pending == address(0)) revert LibOwnership.NotPendingOwner(msg.sender);
        LibOwnership.setOwner(pending);
    }
}
