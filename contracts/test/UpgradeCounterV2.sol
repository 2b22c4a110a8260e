// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibUpgradeCounter} from "./LibUpgradeCounter.sol";

/// @title UpgradeCounterV2 (test only)
/// @notice Second version: `increment` now adds 10 (a replaced function), `decrement` is gone
/// (a removed function), `count` is unchanged, `reset` is new (an added function).
contract UpgradeCounterV2 {
    function increment() external {
        LibUpgradeCounter.layout().count += 10;
    }

    function count() external view returns (uint256) {
        return LibUpgradeCounter.layout().count;
    }

    function reset() external {
        LibUpgradeCounter.layout().count = 0;
    }
}
