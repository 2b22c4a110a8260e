// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {StorageProbeALayout} from "./StorageProbeA.sol";

/// @title StorageInit (test only)
/// @notice An initializer that writes StorageProbeA's namespaced storage, so the diamond-core tests
/// can show that an initializer run by a cut writes the diamond's storage (not its own) at the
/// namespace's slot. It imports the layout rather than redeclaring it: one namespace, one library.
contract StorageInit {
    function init(uint256 value, address account) external {
        StorageProbeALayout.Layout storage l = StorageProbeALayout.layout();
        l.value = value;
        l.account = account;
    }
}
