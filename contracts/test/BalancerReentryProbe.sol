// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IBalancerPool, IBalancerVault, IFlashLoanRecipient} from "../interfaces/IBalancerVault.sol";

/// @title BalancerReentryProbe (test only)
/// @notice Borrows from a Balancer V2 Vault and, inside the loan's callback, tries to swap part of the
/// loan through one of the Vault's pools; records why the swap failed (empty if it succeeded), then
/// repays. Shows whether a Balancer hop can run inside a Balancer flash loan.
contract BalancerReentryProbe is IFlashLoanRecipient {
    using SafeERC20 for IERC20;

    address private _vault;
    bytes32 private _poolId;
    address private _tokenOut;

    /// @notice The revert data of the swap tried inside the loan.
    bytes public swapRevert;
    /// @notice Whether that swap went through.
    bool public swapSucceeded;

    error UnexpectedCallback(address caller);

    /// @notice Borrows `amount` of `token` from `vault` and tries to swap a tenth of it for `tokenOut` in `pool`.
    function probe(IBalancerVault vault, IBalancerPool pool, IERC20 token, address tokenOut, uint256 amount) external {
        _vault = address(vault);
        _poolId = pool.getPoolId();
        _tokenOut = tokenOut;
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = token;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        vault.flashLoan(this, tokens, amounts, "");
        _vault = address(0);
    }

    /// @inheritdoc IFlashLoanRecipient
    function receiveFlashLoan(
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata
    ) external {
        if (msg.sender != _vault) revert UnexpectedCallback(msg.sender);
        uint256 part = amounts[0] / 10;
        tokens[0].forceApprove(msg.sender, part);
        try IBalancerVault(msg.sender).swap(
            IBalancerVault.SingleSwap(
                _poolId, IBalancerVault.SwapKind.GIVEN_IN, address(tokens[0]), _tokenOut, part, ""
            ),
            IBalancerVault.FundManagement(address(this), false, payable(address(this)), false),
            0,
            block.timestamp
        ) {
            swapSucceeded = true;
        } catch (bytes memory reason) {
            swapRevert = reason;
        }
        tokens[0].forceApprove(msg.sender, 0);
        tokens[0].safeTransfer(msg.sender, amounts[0] + feeAmounts[0]);
    }
}
