// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDiamondLoupe} from "../interfaces/IDiamondLoupe.sol";

/// @title CutInit (test only)
/// @notice Initializers for the diamond-core tests, run by delegatecall from a cut. `observe` proves
/// the initializer runs after the cut (it calls a function the same cut added, through the diamond);
/// the `fail*` functions revert in each way an initializer can, to check how the revert is reported.
contract CutInit {
    /// @notice Emitted by `observe`: the facet the loupe reports for `selector` and what calling it returned.
    event InitObserved(bytes4 selector, address facet, uint256 result);

    /// @notice The custom error `failWithError` reverts with.
    error InitFailed(uint256 code, address diamond);

    /// @notice Calls the zero-argument function `selector` on the diamond and logs what it saw.
    function observe(bytes4 selector) external {
        address facet = IDiamondLoupe(address(this)).facetAddress(selector);
        (bool ok, bytes memory result) = address(this).call(abi.encodePacked(selector));
        require(ok, "CutInit: call failed");
        emit InitObserved(selector, facet, abi.decode(result, (uint256)));
    }

    function failWithError(uint256 code) external view {
        revert InitFailed(code, address(this));
    }

    function failWithReason(string calldata reason) external pure {
        revert(reason);
    }

    function failEmpty() external pure {
        revert();
    }
}
