// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IBalancerVault, IFlashLoanRecipient} from "../interfaces/IBalancerVault.sol";
import {IAavePool, IFlashLoanSimpleReceiver} from "../interfaces/IAavePool.sol";

/// @title FlashLoanProbe (test only)
/// @notice Borrows from the world's Balancer Vault or Aave Pool and repays at once, recording the fee
/// each lender charged, so tests can check the lenders behave as on mainnet. It must hold enough of the
/// token to pay the fee. Callbacks are accepted only from the lender of a loan this contract started.
contract FlashLoanProbe is IFlashLoanRecipient, IFlashLoanSimpleReceiver {
    using SafeERC20 for IERC20;

    /// @notice The lender whose callback is expected; zero outside a loan.
    address private _activeLender;

    /// @notice Emitted when a loan has been received; `fee` is what the lender asked on top.
    event LoanReceived(address indexed lender, address indexed token, uint256 amount, uint256 fee, uint256 balance);

    error UnexpectedCallback(address caller);
    error UnexpectedInitiator(address initiator);

    /// @notice Borrows `amount` of `token` from the Balancer `vault` and repays it in the callback.
    function borrowFromBalancer(IBalancerVault vault, IERC20 token, uint256 amount) external {
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = token;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        _activeLender = address(vault);
        vault.flashLoan(this, tokens, amounts, "");
        _activeLender = address(0);
    }

    /// @notice Borrows `amount` of `asset` from the Aave `pool` and repays it (plus premium) in the callback.
    function borrowFromAave(IAavePool pool, address asset, uint256 amount) external {
        _activeLender = address(pool);
        pool.flashLoanSimple(address(this), asset, amount, "", 0);
        _activeLender = address(0);
    }

    /// @inheritdoc IFlashLoanRecipient
    function receiveFlashLoan(
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata
    ) external {
        if (msg.sender != _activeLender) revert UnexpectedCallback(msg.sender);
        for (uint256 i = 0; i < tokens.length; ++i) {
            emit LoanReceived(msg.sender, address(tokens[i]), amounts[i], feeAmounts[i], tokens[i].balanceOf(address(this)));
            tokens[i].safeTransfer(msg.sender, amounts[i] + feeAmounts[i]);
        }
    }

    /// @inheritdoc IFlashLoanSimpleReceiver
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata
    ) external returns (bool) {
        if (msg.sender != _activeLender) revert UnexpectedCallback(msg.sender);
        if (initiator != address(this)) revert UnexpectedInitiator(initiator);
        emit LoanReceived(msg.sender, asset, amount, premium, IERC20(asset).balanceOf(address(this)));
        IERC20(asset).forceApprove(msg.sender, amount + premium);
        return true;
    }
}
