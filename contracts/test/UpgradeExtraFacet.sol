// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title UpgradeExtraFacet (test only)
/// @notice A whole facet added by an upgrade in the upgrade-script tests.
contract UpgradeExtraFacet {
    function extra() external pure returns (string memory) {
        return "extra";
    }
}
