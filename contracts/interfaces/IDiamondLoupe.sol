// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title EIP-2535 diamond loupe
/// @notice Introspection: which facets a diamond has and which functions each serves.
interface IDiamondLoupe {
    /// @param facetAddress The facet.
    /// @param functionSelectors The selectors it serves.
    struct Facet {
        address facetAddress;
        bytes4[] functionSelectors;
    }

    /// @notice All facets and their selectors.
    function facets() external view returns (Facet[] memory facets_);

    /// @notice The selectors served by `facet`.
    function facetFunctionSelectors(address facet) external view returns (bytes4[] memory facetFunctionSelectors_);

    /// @notice All facet addresses.
    function facetAddresses() external view returns (address[] memory facetAddresses_);

    /// @notice The facet serving `functionSelector`, or zero.
    function facetAddress(bytes4 functionSelector) external view returns (address facetAddress_);
}
