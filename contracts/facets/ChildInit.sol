// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DiamondInit} from "../diamond/DiamondInit.sol";
import {LibChild} from "../libraries/LibChild.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";

/// @title ChildInit
/// @notice Initializer of a child diamond, run by delegatecall from the Diamond constructor (or a
/// cut): registers the core ERC-165 interfaces, attaches the child to its master (starting its mirror
/// of the master's global pause from `master.paused()`) and sets its guardian.
/// @dev Security considerations: it has no state of its own; calling it directly only touches its own
/// unused storage. It does not guard against being run again through a later cut: only the owner can
/// cut, and re-running it re-points the master and guardian exactly as the owner asked. It checks that
/// the master has code and answers `paused()`, not that it is a Lapidary master or that the master
/// registers this child (registering pushes the pause state again).
contract ChildInit is DiamondInit {
    /// @notice Registers the core interfaces, sets the master (a contract answering `paused()`) and
    /// the guardian (zero for none; never the owner).
    function init(address master, address guardian) external {
        registerCoreInterfaces();
        LibChild.setMaster(master);
        LibGuardian.setGuardian(guardian);
    }
}
