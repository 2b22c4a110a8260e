// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IChildCapital} from "../interfaces/IChildCapital.sol";
import {LibCapital} from "./LibCapital.sol";
import {LibRegistry} from "./LibRegistry.sol";

/// @title CapitalFacet
/// @notice The master diamond's treasury and the capital it lends to child diamonds. The treasury is
/// the master's own balance of each token: anyone may fund it with a plain ERC-20 transfer. The owner
/// allocates capital to a registered child within a per (child, token) cap, provided the treasury
/// keeps at least `reserveRatio` basis points of the token's total capital (treasury plus everything
/// allocated), and recalls it at will. Children send tokens home only through
/// `LibChild.sendToTreasury`, which calls `onCapitalReturned` here; that reduces the child's
/// allocation by at most what is allocated, any excess being profit.
///
/// Owner only: `setReserveRatio`, `setAllocationCap`, `allocate`, `recall`. Registered children
/// only: `onCapitalReturned`. Views are open.
///
/// @dev Security considerations: the master trusts a registered child's `onCapitalReturned` report
/// of what it sent; only `recall` measures the tokens actually received. Tokens are assumed to be
/// plain ERC-20s: fee-on-transfer or rebasing tokens make allocations drift from balances (a recall
/// of such a token reverts), and tokens with transfer hooks could re-enter. The reserve is checked
/// only when allocating; capital lost by a child is not written off here and keeps counting as
/// allocated until the owner recalls what is left. Lowering a cap below the allocated amount does
/// not recall anything. Pausing the master does not stop allocations or returns.
contract CapitalFacet {
    using SafeERC20 for IERC20;

    /// @notice Emitted when the cap of `child` in `token` changes.
    event AllocationCapChanged(address indexed child, address indexed token, uint256 previousCap, uint256 newCap);
    /// @notice Emitted when `amount` of `token` is sent to `child`.
    event CapitalAllocated(address indexed child, address indexed token, uint256 amount);
    /// @notice Emitted when the owner asks `child` for `amount` of `token` back (and received it).
    event CapitalRecalled(address indexed child, address indexed token, uint256 amount);
    /// @notice Emitted when `child` returns `amount` of `token`, of which `principal` reduced its
    /// allocation (the rest is profit).
    event CapitalReturned(address indexed child, address indexed token, uint256 amount, uint256 principal);

    /// @notice Allocations and recalls of zero are mistakes.
    error ZeroAmount();
    /// @notice The allocation would take `child` to `requested` in `token`, above its `cap`.
    error AllocationCapExceeded(address child, address token, uint256 requested, uint256 cap);
    /// @notice The treasury holds only `balance` of `token`.
    error InsufficientTreasury(address token, uint256 balance, uint256 amount);
    /// @notice The treasury would keep `remaining` of `token`, below the `required` reserve.
    error ReserveBreached(address token, uint256 remaining, uint256 required);
    /// @notice A recall delivered `received` of `token` instead of `expected`.
    error CapitalNotReturned(address child, address token, uint256 expected, uint256 received);

    /// @notice Sets the reserve ratio in basis points (at most 10_000). Owner only.
    function setReserveRatio(uint16 bps) external {
        LibOwnership.enforceIsOwner();
        LibCapital.setReserveRatio(bps);
    }

    /// @notice Sets the most of `token` that may be allocated to `child`. Owner only; `child` must
    /// be registered.
    function setAllocationCap(address child, address token, uint256 cap) external {
        LibOwnership.enforceIsOwner();
        LibRegistry.enforceIsChild(child);
        LibCapital.Allocation storage allocation = LibCapital.layout().allocations[child][token];
        emit AllocationCapChanged(child, token, allocation.cap, cap);
        allocation.cap = cap;
    }

    /// @notice Sends `amount` of `token` from the treasury to `child`. Owner only. Requires a
    /// registered child, the allocation to stay within the cap, and the treasury to keep its reserve.
    function allocate(address child, address token, uint256 amount) external {
        LibOwnership.enforceIsOwner();
        LibRegistry.enforceIsChild(child);
        if (amount == 0) revert ZeroAmount();

        LibCapital.Layout storage l = LibCapital.layout();
        LibCapital.Allocation storage allocation = l.allocations[child][token];
        uint256 requested = allocation.amount + amount;
        if (requested > allocation.cap) revert AllocationCapExceeded(child, token, requested, allocation.cap);

        uint256 balance = IERC20(token).balanceOf(address(this));
        if (amount > balance) revert InsufficientTreasury(token, balance, amount);
        // Total capital is the same before and after the transfer: it only moves to the child.
        uint256 total = balance + l.totalAllocated[token];
        uint256 required = Math.mulDiv(total, l.reserveBps, LibCapital.BPS, Math.Rounding.Ceil);
        uint256 remaining = balance - amount;
        if (remaining < required) revert ReserveBreached(token, remaining, required);

        LibCapital.recordAllocation(child, token, amount);
        IERC20(token).safeTransfer(child, amount);
        emit CapitalAllocated(child, token, amount);
    }

    /// @notice Asks `child` to send `amount` of `token` back to the treasury. Owner only. The child
    /// reports the return through `onCapitalReturned`; reverts unless the full amount arrived.
    function recall(address child, address token, uint256 amount) external {
        LibOwnership.enforceIsOwner();
        LibRegistry.enforceIsChild(child);
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IChildCapital(child).returnCapital(token, amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received < amount) revert CapitalNotReturned(child, token, amount, received);
        emit CapitalRecalled(child, token, amount);
    }

    /// @notice Books `amount` of `token` just transferred here by the calling child. Registered
    /// children only. Reduces the child's allocation by at most what is allocated.
    function onCapitalReturned(address token, uint256 amount) external {
        LibRegistry.enforceIsChild(msg.sender);
        uint256 principal = LibCapital.recordReturn(msg.sender, token, amount);
        emit CapitalReturned(msg.sender, token, amount, principal);
    }

    /// @notice The reserve ratio in basis points.
    function reserveRatio() external view returns (uint16) {
        return LibCapital.layout().reserveBps;
    }

    /// @notice The most of `token` that may be allocated to `child`.
    function allocationCap(address child, address token) external view returns (uint256) {
        return LibCapital.layout().allocations[child][token].cap;
    }

    /// @notice What of `token` is allocated to `child` now.
    function allocated(address child, address token) external view returns (uint256) {
        return LibCapital.layout().allocations[child][token].amount;
    }

    /// @notice What of `token` is allocated to all children together.
    function totalAllocated(address token) external view returns (uint256) {
        return LibCapital.layout().totalAllocated[token];
    }
}
