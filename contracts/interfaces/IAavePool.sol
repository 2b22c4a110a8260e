// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Aave V3 Pool flash-loan surface
/// @notice The subset of the Aave V3 Pool used for single-asset flash loans.
interface IAavePool {
    /// @notice Lends `amount` of `asset` to `receiverAddress`, calls its `executeOperation`, then pulls
    /// `amount + premium` back with `transferFrom` (the receiver must approve the Pool).
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;

    /// @notice The flash-loan premium in basis points of the borrowed amount.
    function FLASHLOAN_PREMIUM_TOTAL() external view returns (uint128);
}

/// @title Receiver of an Aave V3 simple flash loan
interface IFlashLoanSimpleReceiver {
    /// @return success Must be true, or the Pool reverts the loan.
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata params
    ) external returns (bool success);
}
