// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CutFacetB (test only)
/// @notice Four trivial functions, `b1()`..`b4()`, returning 0xb1..0xb4: a second facet with its own
/// selectors, so the diamond-core tests can check facet ordering in the loupe across several facets.
contract CutFacetB {
    function b1() external pure returns (uint256) {
        return 0xb1;
    }

    function b2() external pure returns (uint256) {
        return 0xb2;
    }

    function b3() external pure returns (uint256) {
        return 0xb3;
    }

    function b4() external pure returns (uint256) {
        return 0xb4;
    }
}
