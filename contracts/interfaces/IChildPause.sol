// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title What the master calls on a child diamond to carry its global pause there
/// @notice The master pushes every change of its pause to each registered child, which keeps a mirror
/// of it in its own storage: a child's pause check then reads only its own storage.
interface IChildPause {
    /// @notice Sets this child's mirror of its master's pause. Callable only by the child's master.
    /// Idempotent.
    function setMasterPaused(bool paused) external;
}
