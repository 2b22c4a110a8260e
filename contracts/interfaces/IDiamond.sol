// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title EIP-2535 diamond types
/// @notice The cut types and event shared by the diamond, its cut facet and off-chain tools.
interface IDiamond {
    /// @notice What a cut does with its selectors: map them to a new facet, re-point them, or drop them.
    enum FacetCutAction {
        Add,
        Replace,
        Remove
    }

    /// @param facetAddress The facet to add or replace with; must be zero for Remove.
    /// @param action Add, Replace or Remove.
    /// @param functionSelectors The selectors the action applies to.
    struct FacetCut {
        address facetAddress;
        FacetCutAction action;
        bytes4[] functionSelectors;
    }

    /// @notice Emitted for every cut, with the initializer that ran after it.
    event DiamondCut(FacetCut[] diamondCut, address init, bytes initCalldata);
}
