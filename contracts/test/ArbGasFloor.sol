// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAavePool, IFlashLoanSimpleReceiver} from "../interfaces/IAavePool.sol";
import {IBalancerVault, IFlashLoanRecipient} from "../interfaces/IBalancerVault.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title ArbGasFloor (benchmarks only)
/// @notice The least any contract can do for a two-pair V2 arbitrage: the output amounts are computed
/// off-chain and passed in, nothing is checked but the lender callback's sender (and Aave's
/// initiator), nothing is recorded. Transfer to pair A, swap A into pair B, swap B back to itself;
/// with a Balancer or Aave flash loan around it, or from its own balance. The profit stays here. The
/// arbitrage gas benchmark compares FlashArbFacet against it, lender by lender.
/// @dev Not safe to hold funds: anyone may call it, and a Balancer loan started by a third party
/// runs whatever swaps its `userData` names.
contract ArbGasFloor is IFlashLoanRecipient, IFlashLoanSimpleReceiver {
    IBalancerVault private immutable _vault;
    IAavePool private immutable _aave;

    error NotLender(address caller);

    constructor(IBalancerVault vault, IAavePool aave) {
        _vault = vault;
        _aave = aave;
    }

    /// @param swaps abi.encode(pairA, amount0OutA, amount1OutA, pairB, amount0OutB, amount1OutB).
    function arbBalancer(IERC20 token, uint256 amountIn, bytes calldata swaps) external {
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = token;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amountIn;
        _vault.flashLoan(this, tokens, amounts, swaps);
    }

    /// @param swaps As for `arbBalancer`.
    function arbAave(IERC20 token, uint256 amountIn, bytes calldata swaps) external {
        _aave.flashLoanSimple(address(this), address(token), amountIn, swaps, 0);
    }

    /// @param swaps As for `arbBalancer`; `amountIn` comes from this contract's balance.
    function arbOwn(IERC20 token, uint256 amountIn, bytes calldata swaps) external {
        _swap(token, amountIn, swaps);
    }

    function receiveFlashLoan(
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external {
        if (msg.sender != address(_vault)) revert NotLender(msg.sender);
        _swap(tokens[0], amounts[0], userData);
        tokens[0].transfer(msg.sender, amounts[0] + feeAmounts[0]);
    }

    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        if (msg.sender != address(_aave) || initiator != address(this)) revert NotLender(msg.sender);
        _swap(IERC20(asset), amount, params);
        IERC20(asset).approve(msg.sender, amount + premium);
        return true;
    }

    function _swap(IERC20 token, uint256 amountIn, bytes calldata swaps) private {
        (address pairA, uint256 a0, uint256 a1, address pairB, uint256 b0, uint256 b1) =
            abi.decode(swaps, (address, uint256, uint256, address, uint256, uint256));
        token.transfer(pairA, amountIn);
        IUniswapV2Pair(pairA).swap(a0, a1, pairB, "");
        IUniswapV2Pair(pairB).swap(b0, b1, address(this), "");
    }
}
