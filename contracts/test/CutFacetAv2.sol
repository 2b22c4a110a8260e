// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CutFacetAv2 (test only)
/// @notice A second version of CutFacetA: the same four selectors returning 0x2a1..0x2a4, so the
/// diamond-core tests can Replace `a1()`..`a4()` and tell from the result which version now serves them.
contract CutFacetAv2 {
    function a1() external pure returns (uint256) {
        return 0x2a1;
    }

    function a2() external pure returns (uint256) {
        return 0x2a2;
    }

    function a3() external pure returns (uint256) {
        return 0x2a3;
    }

    function a4() external pure returns (uint256) {
        return 0x2a4;
    }
}
