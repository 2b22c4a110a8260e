// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Balancer V2 Vault flash-loan surface
/// @notice The subset of the Vault (0xBA12222222228d8Ba445958a75a0704d566BF2C8 on mainnet) used for
/// flash loans. Loans are free unless governance sets the protocol flash-loan fee.
interface IBalancerVault {
    /// @notice Lends `amounts` of `tokens` to `recipient`, calls its `receiveFlashLoan`, and requires
    /// the loan plus fees back in the Vault before returning.
    function flashLoan(
        IFlashLoanRecipient recipient,
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        bytes calldata userData
    ) external;
}

/// @title Receiver of a Balancer V2 flash loan
/// @notice Balancer's callback carries no initiator: a receiver must itself remember that it started
/// the loan, or anyone can make the Vault call it with arbitrary `userData`.
interface IFlashLoanRecipient {
    function receiveFlashLoan(
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external;
}

/// @title Balancer V2 protocol fees collector, as far as flash loans are concerned
/// @notice Where the Vault (`getProtocolFeesCollector()`) keeps its fee settings; Balancer publishes
/// no ABI for it, so keepers read the flash-loan fee through this interface.
interface IBalancerProtocolFeesCollector {
    /// @notice The flash-loan fee as an 18-decimal fraction (1e16 = 1%); zero on most deployments.
    function getFlashLoanFeePercentage() external view returns (uint256);
}
