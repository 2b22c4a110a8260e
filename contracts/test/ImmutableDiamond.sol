// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDiamond} from "../interfaces/IDiamond.sol";
import {Diamond} from "../diamond/Diamond.sol";
import {LibDiamond} from "../diamond/LibDiamond.sol";

/// @title ImmutableDiamond (test only)
/// @notice A Diamond with one function defined on the diamond itself (`version()`), registered in
/// the constructor with the diamond's own address as facet, as EIP-2535 requires for immutable
/// functions (announced in a DiamondCut event, visible in the loupe). It exists so the diamond-core
/// tests can check that such functions are reported correctly and can never be replaced or removed.
contract ImmutableDiamond is Diamond {
    constructor(address owner_, IDiamond.FacetCut[] memory cut, address init, bytes memory initCalldata)
        payable
        Diamond(owner_, cut, init, initCalldata)
    {
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = ImmutableDiamond.version.selector;
        IDiamond.FacetCut[] memory own = new IDiamond.FacetCut[](1);
        own[0] = IDiamond.FacetCut(address(this), IDiamond.FacetCutAction.Add, selectors);
        LibDiamond.diamondCut(own, address(0), "");
    }

    /// @notice An immutable function: served by the diamond's own code, never by a facet.
    function version() external pure returns (uint256) {
        return 1;
    }
}
