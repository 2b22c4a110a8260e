// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Balancer V2 Vault: flash loans and single swaps
/// @notice The subset of the Vault (0xBA12222222228d8Ba445958a75a0704d566BF2C8 on mainnet) used for
/// flash loans and for swapping through one pool. Loans are free unless governance sets the protocol
/// flash-loan fee. `flashLoan` and `swap` share the Vault's one reentrancy guard: no swap can run
/// inside a Balancer flash loan's callback (it reverts BAL#400).
interface IBalancerVault {
    /// @notice GIVEN_IN: `amount` is what the Vault takes; GIVEN_OUT: what it pays.
    enum SwapKind {
        GIVEN_IN,
        GIVEN_OUT
    }

    /// @notice One swap through the pool `poolId` (`assetIn` and `assetOut` are its tokens).
    struct SingleSwap {
        bytes32 poolId;
        SwapKind kind;
        address assetIn;
        address assetOut;
        uint256 amount;
        bytes userData;
    }

    /// @notice Who pays (`sender`, by ERC-20 allowance to the Vault unless from internal balance) and who
    /// is paid (`recipient`).
    struct FundManagement {
        address sender;
        bool fromInternalBalance;
        address payable recipient;
        bool toInternalBalance;
    }

    /// @notice Swaps through one pool; GIVEN_IN reverts (BAL#507) if it would pay less than `limit`.
    /// @return amountCalculated For GIVEN_IN, what was paid out.
    function swap(SingleSwap memory singleSwap, FundManagement memory funds, uint256 limit, uint256 deadline)
        external
        payable
        returns (uint256 amountCalculated);

    /// @notice A registered pool's tokens (sorted), balances and the block its balances last changed.
    function getPoolTokens(bytes32 poolId)
        external
        view
        returns (IERC20[] memory tokens, uint256[] memory balances, uint256 lastChangeBlock);

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

/// @title A Balancer V2 pool, as far as registering it is concerned
interface IBalancerPool {
    /// @notice The pool's id in its Vault (the pool's address in the top 20 bytes).
    function getPoolId() external view returns (bytes32);
}
