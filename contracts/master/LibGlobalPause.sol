// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChildPause} from "../interfaces/IChildPause.sol";
import {LibRegistry} from "./LibRegistry.sol";

/// @title LibGlobalPause
/// @notice Carries the master's global pause to its children: each registered child keeps a mirror of
/// it (`IChildPause.setMasterPaused`), which its per-trade pause check reads instead of calling the
/// master. A push that fails for one child is reported (`ChildPauseNotMirrored`) and does not stop the
/// pushes to the others.
/// @dev Each push runs with a fixed gas stipend, and the master refuses to start one unless it holds
/// enough gas for the child to receive the whole stipend (EIP-150 forwards at most 63/64). So a push
/// fails only because of the child (it reverted, or spent more than the stipend), never because the
/// transaction's gas limit was too tight: a gas estimate that lets a push fail silently is impossible,
/// and a child that burns its gas cannot starve the pushes after it. Has no storage of its own.
library LibGlobalPause {
    /// @notice The gas a child gets for one push: a diamond dispatch, the master check and one flag
    /// write take about a sixth of it.
    uint256 internal constant PUSH_GAS = 100_000;
    /// @dev What the master must hold before a push: the stipend, the 1/64 EIP-150 keeps back, and
    /// the call's own cost (a cold account).
    uint256 private constant PUSH_RESERVE = PUSH_GAS + PUSH_GAS / 63 + 5_000;

    /// @notice Emitted when the global pause state `paused` could not be pushed to `child` (it has no
    /// code, reverted with `reason`, or ran out of its stipend): its mirror is stale until a later push.
    event ChildPauseNotMirrored(address indexed child, bool paused, bytes reason);

    /// @notice The transaction has `gasLeft` gas, too little to give `child` its whole stipend.
    error InsufficientGasForPush(address child, uint256 gasLeft, uint256 needed);

    /// @notice Pushes `paused` to every registered child, in registry order.
    function pushToAll(bool paused) internal {
        LibRegistry.Layout storage r = LibRegistry.layout();
        uint256 count = r.strategyIds.length;
        for (uint256 i = 0; i < count; ++i) {
            tryPush(r.childOf[r.strategyIds[i]], paused);
        }
    }

    /// @notice Pushes `paused` to `child`; on failure emits `ChildPauseNotMirrored` and returns false.
    function tryPush(address child, bool paused) internal returns (bool delivered) {
        if (child.code.length == 0) {
            emit ChildPauseNotMirrored(child, paused, "");
            return false;
        }
        uint256 gasLeft = gasleft();
        if (gasLeft < PUSH_RESERVE) revert InsufficientGasForPush(child, gasLeft, PUSH_RESERVE);
        try IChildPause(child).setMasterPaused{gas: PUSH_GAS}(paused) {
            return true;
        } catch (bytes memory reason) {
            emit ChildPauseNotMirrored(child, paused, reason);
            return false;
        }
    }
}
