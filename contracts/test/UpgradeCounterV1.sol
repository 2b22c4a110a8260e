// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibUpgradeCounter} from "./LibUpgradeCounter.sol";

/// @title UpgradeCounterV1 (test only)
/// @notice First version of a facet for the upgrade-script tests: `increment`, `decrement`, `count`.
contract UpgradeCounterV1 {
    function increment() external {
        LibUpgradeCounter.layout().count += 1;
    }

    function decrement() external {
        LibUpgradeCounter.layout().count -= 1;
    }

    function count() external view returns (uint256) {
        return LibUpgradeCounter.layout().count;
    }
}
