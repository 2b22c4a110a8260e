// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IDiamondLoupe} from "../interfaces/IDiamondLoupe.sol";
import {LibDiamond} from "./LibDiamond.sol";

/// @title DiamondLoupeFacet
/// @notice The four EIP-2535 loupe functions and the ERC-165 registry. Read-only, callable by anyone.
contract DiamondLoupeFacet is IDiamondLoupe, IERC165 {
    /// @inheritdoc IDiamondLoupe
    function facets() external view override returns (Facet[] memory facets_) {
        LibDiamond.DiamondStorage storage ds = LibDiamond.layout();
        uint256 count = ds.facetAddresses.length;
        facets_ = new Facet[](count);
        for (uint256 i = 0; i < count; ++i) {
            address facet = ds.facetAddresses[i];
            facets_[i] = Facet(facet, ds.facetFunctionSelectors[facet].functionSelectors);
        }
    }

    /// @inheritdoc IDiamondLoupe
    function facetFunctionSelectors(address facet) external view override returns (bytes4[] memory) {
        return LibDiamond.layout().facetFunctionSelectors[facet].functionSelectors;
    }

    /// @inheritdoc IDiamondLoupe
    function facetAddresses() external view override returns (address[] memory) {
        return LibDiamond.layout().facetAddresses;
    }

    /// @inheritdoc IDiamondLoupe
    function facetAddress(bytes4 functionSelector) external view override returns (address) {
        return LibDiamond.layout().selectorToFacetAndPosition[functionSelector].facetAddress;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external view override returns (bool) {
        return LibDiamond.layout().supportedInterfaces[interfaceId];
    }
}
