// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibUpgradeCounter (test only)
/// @notice Storage shared by the two versions of the upgrade test facet, so a test can show that a
/// replace keeps state.
library LibUpgradeCounter {
    /// @custom:storage-location erc7201:lapidary.test.counter
    struct Layout {
        uint256 count;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.test.counter")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x1afeea8b2ad77466bdd8bf7e9963a410d1e753d323a120bed6d0ceace40b5f00;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }
}
