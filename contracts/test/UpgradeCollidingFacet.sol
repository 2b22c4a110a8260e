// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title UpgradeCollidingFacet (test only)
/// @notice Declares `count()` like the counter facets and `version()` like ImmutableDiamond's own
/// function, so the upgrade planner's refusals (a selector collision between facets, a facet claiming
/// an immutable function) can be shown on a live diamond.
contract UpgradeCollidingFacet {
    function count() external pure returns (uint256) {
        return 42;
    }

    function version() external pure returns (uint256) {
        return 2;
    }
}
