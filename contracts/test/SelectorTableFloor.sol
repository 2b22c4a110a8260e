// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SelectorTableFloor (benchmarks only)
/// @notice The least storage work any selector router must do to register functions: one mapping
/// write per selector. The diamond-cut benchmark compares a real cut against it.
contract SelectorTableFloor {
    mapping(bytes4 selector => address facet) public facetOf;

    function register(address facet, bytes4[] calldata selectors) external {
        for (uint256 i = 0; i < selectors.length; ++i) {
            facetOf[selectors[i]] = facet;
        }
    }
}
