// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title What the master calls on a child diamond to get capital back
interface IChildCapital {
    /// @notice Sends `amount` of `token` from the child to its master and reports it with
    /// `IMaster.onCapitalReturned`. Callable only by the child's master.
    function returnCapital(address token, uint256 amount) external;
}
