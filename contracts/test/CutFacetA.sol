// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CutFacetA (test only)
/// @notice Four trivial functions, `a1()`..`a4()`, returning 0xa1..0xa4, so the diamond-core tests
/// can add, replace and remove selectors that point at real code and see which facet served a call.
contract CutFacetA {
    function a1() external pure returns (uint256) {
        return 0xa1;
    }

    function a2() external pure returns (uint256) {
        return 0xa2;
    }

    function a3() external pure returns (uint256) {
        return 0xa3;
    }

    function a4() external pure returns (uint256) {
        return 0xa4;
    }
}
