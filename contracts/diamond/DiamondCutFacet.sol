// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDiamondCut} from "../interfaces/IDiamondCut.sol";
import {LibDiamond} from "./LibDiamond.sol";
import {LibOwnership} from "./LibOwnership.sol";

/// @title DiamondCutFacet
/// @notice Adds, replaces and removes the diamond's functions (EIP-2535). Owner only.
/// @dev Rules, each enforced with a custom error from LibDiamond: Add rejects selectors already
/// present; Replace rejects missing selectors and replacing a function with the facet that already
/// serves it; Remove must name the zero address and rejects missing selectors; neither Replace nor
/// Remove may touch functions defined on the diamond itself; a facet or initializer without code is
/// rejected; the initializer's revert data is bubbled up unchanged.
contract DiamondCutFacet is IDiamondCut {
    /// @inheritdoc IDiamondCut
    function diamondCut(FacetCut[] calldata cut, address init, bytes calldata initCalldata) external override {
        LibOwnership.enforceIsOwner();
        LibDiamond.diamondCut(cut, init, initCalldata);
    }
}
