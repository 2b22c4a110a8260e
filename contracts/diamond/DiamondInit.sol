// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IDiamondCut} from "../interfaces/IDiamondCut.sol";
import {IDiamondLoupe} from "../interfaces/IDiamondLoupe.sol";
import {IERC173} from "../interfaces/IERC173.sol";
import {LibDiamond} from "./LibDiamond.sol";

/// @title DiamondInit
/// @notice Initializer for a bare diamond: registers the ERC-165 interfaces of the core facets and
/// any extra ones. Run by delegatecall from a cut; never call it directly (it has no state of its own).
contract DiamondInit {
    /// @notice Registers ERC-165, diamond cut, loupe, ERC-173 and `extraInterfaces`.
    function init(bytes4[] calldata extraInterfaces) external {
        registerCoreInterfaces();
        for (uint256 i = 0; i < extraInterfaces.length; ++i) {
            LibDiamond.setSupportedInterface(extraInterfaces[i], true);
        }
    }

    function registerCoreInterfaces() internal {
        LibDiamond.setSupportedInterface(type(IERC165).interfaceId, true);
        LibDiamond.setSupportedInterface(type(IDiamondCut).interfaceId, true);
        LibDiamond.setSupportedInterface(type(IDiamondLoupe).interfaceId, true);
        LibDiamond.setSupportedInterface(type(IERC173).interfaceId, true);
    }
}
