// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibRegistry
/// @notice The master diamond's registry of child diamonds, one per strategy id, in its own
/// namespaced storage: both directions of the mapping plus a dense list of strategy ids (with each
/// id's position) so that listing is one read and removal is O(1) by swap-and-pop.
library LibRegistry {
    /// @custom:storage-location erc7201:lapidary.master.registry
    struct Layout {
        mapping(bytes32 strategyId => address child) childOf;
        mapping(address child => bytes32 strategyId) strategyOf;
        bytes32[] strategyIds;
        mapping(bytes32 strategyId => uint256 position) positionOf; // index in strategyIds + 1; 0 = absent
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.master.registry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xfc13d8600d75647fecc442dce1e9ebb06b35f0c4e6395ba7ff5ba937cc38b600;

    /// @notice Emitted when `child` is registered for `strategyId`.
    event ChildAdded(bytes32 indexed strategyId, address indexed child);
    /// @notice Emitted when `child` is unregistered from `strategyId`.
    event ChildRemoved(bytes32 indexed strategyId, address indexed child);

    /// @notice The zero strategy id is reserved (it marks "not registered").
    error ZeroStrategyId();
    /// @notice A child must be a deployed contract other than the master.
    error InvalidChild(address child);
    /// @notice `strategyId` already has a child.
    error StrategyInUse(bytes32 strategyId, address child);
    /// @notice `child` is already registered under `strategyId`.
    error ChildAlreadyRegistered(address child, bytes32 strategyId);
    /// @notice No child is registered for `strategyId`.
    error UnknownStrategy(bytes32 strategyId);
    /// @notice `account` is not a registered child.
    error NotChild(address account);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    function isChild(address account) internal view returns (bool) {
        return layout().strategyOf[account] != bytes32(0);
    }

    /// @notice Reverts `NotChild` unless `account` is a registered child.
    function enforceIsChild(address account) internal view {
        if (!isChild(account)) revert NotChild(account);
    }

    /// @notice Registers `child` for `strategyId`.
    function add(bytes32 strategyId, address child) internal {
        if (strategyId == bytes32(0)) revert ZeroStrategyId();
        if (child.code.length == 0 || child == address(this)) revert InvalidChild(child);
        Layout storage l = layout();
        address current = l.childOf[strategyId];
        if (current != address(0)) revert StrategyInUse(strategyId, current);
        bytes32 registered = l.strategyOf[child];
        if (registered != bytes32(0)) revert ChildAlreadyRegistered(child, registered);

        l.childOf[strategyId] = child;
        l.strategyOf[child] = strategyId;
        l.strategyIds.push(strategyId);
        l.positionOf[strategyId] = l.strategyIds.length;
        emit ChildAdded(strategyId, child);
    }

    /// @notice Unregisters the child of `strategyId` and returns it.
    function remove(bytes32 strategyId) internal returns (address child) {
        Layout storage l = layout();
        child = l.childOf[strategyId];
        if (child == address(0)) revert UnknownStrategy(strategyId);

        uint256 index = l.positionOf[strategyId] - 1;
        uint256 lastIndex = l.strategyIds.length - 1;
        if (index != lastIndex) {
            bytes32 moved = l.strategyIds[lastIndex];
            l.strategyIds[index] = moved;
            l.positionOf[moved] = index + 1;
        }
        l.strategyIds.pop();
        delete l.positionOf[strategyId];
        delete l.childOf[strategyId];
        delete l.strategyOf[child];
        emit ChildRemoved(strategyId, child);
    }
}
