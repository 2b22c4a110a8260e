// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DiamondInit} from "../diamond/DiamondInit.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibCapital} from "./LibCapital.sol";

/// @title MasterInit
/// @notice Initializer of the master diamond, run by delegatecall from the Diamond constructor (or a
/// cut): registers the core ERC-165 interfaces, sets the reserve ratio and the guardian.
/// @dev Security considerations: it has no state of its own; calling it directly only touches its own
/// unused storage. It does not guard against being run again through a later cut: only the owner can
/// cut, and re-running it sets the ratio and guardian exactly as the owner asked.
contract MasterInit is DiamondInit {
    /// @notice Registers the core interfaces, sets the reserve ratio (basis points, at most 10_000)
    /// and the guardian (zero for none; never the owner).
    function init(uint16 reserveBps, address guardian) external {
        registerCoreInterfaces();
        LibCapital.setReserveRatio(reserveBps);
        LibGuardian.setGuardian(guardian);
    }
}
