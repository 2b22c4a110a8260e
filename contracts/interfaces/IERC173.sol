// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-173 contract ownership
interface IERC173 {
    /// @notice Emitted when ownership changes hands (also on the initial assignment).
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The current owner.
    function owner() external view returns (address owner_);

    /// @notice Hands ownership to `newOwner`. Here this only proposes: the new owner must accept.
    function transferOwnership(address newOwner) external;
}
