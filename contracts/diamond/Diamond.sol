// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDiamond} from "../interfaces/IDiamond.sol";
import {LibDiamond} from "./LibDiamond.sol";
import {LibOwnership} from "./LibOwnership.sol";

/// @title Diamond
/// @notice An EIP-2535 diamond: every call is delegated to the facet registered for its selector.
/// The master diamond and every child diamond are instances of this contract with different facets.
/// @dev Security considerations: whoever owns the diamond can replace any function, so the owner
/// key controls everything the diamond holds. The constructor applies the initial cut and runs its
/// initializer in the same transaction, so there is no window in which the diamond is uninitialized.
contract Diamond {
    /// @notice No facet serves `selector`.
    error FunctionNotFound(bytes4 selector);

    /// @param owner_ The owner (ERC-173); may cut the diamond.
    /// @param cut The initial facets.
    /// @param init Contract to delegatecall after the cut (zero for none).
    /// @param initCalldata Calldata for `init`.
    constructor(address owner_, IDiamond.FacetCut[] memory cut, address init, bytes memory initCalldata) payable {
        LibOwnership.setOwner(owner_);
        LibDiamond.diamondCut(cut, init, initCalldata);
    }

    /// @notice Delegates to the facet registered for `msg.sig`.
    fallback() external payable {
        address facet = LibDiamond.layout().selectorToFacetAndPosition[msg.sig].facetAddress;
        if (facet == address(0)) revert FunctionNotFound(msg.sig);
        assembly {
            calldatacopy(0, 0, calldatasize())
            let result := delegatecall(gas(), facet, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch result
            case 0 {
                revert(0, returndatasize())
            }
            default {
                return(0, returndatasize())
            }
        }
    }

    /// @notice Accepts ETH (WETH unwraps, refunds).
    receive() external payable {}
}
