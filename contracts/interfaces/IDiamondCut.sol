// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDiamond} from "./IDiamond.sol";

/// @title EIP-2535 diamond cut
interface IDiamondCut is IDiamond {
    /// @notice Adds, replaces or removes any number of functions, then optionally delegatecalls
    /// `init` with `initCalldata` to initialize state.
    /// @param diamondCut The facet addresses, actions and selectors.
    /// @param init The contract to delegatecall after the cut, or zero for none.
    /// @param initCalldata The calldata for `init`; must be empty when `init` is zero.
    function diamondCut(FacetCut[] calldata diamondCut, address init, bytes calldata initCalldata) external;
}
