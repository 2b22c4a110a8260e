// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Uniswap V3 pool swap surface
/// @notice The subset of a Uniswap V3 pool used to swap against it directly. The pool sends the
/// output to `recipient`, then calls `uniswapV3SwapCallback` on the caller, which must pay the input.
interface IUniswapV3Pool {
    function token0() external view returns (address);

    function token1() external view returns (address);

    /// @param amountSpecified Exact input when positive, exact output when negative.
    /// @param sqrtPriceLimitX96 The price the swap may not cross (Q64.96).
    /// @return amount0 The pool's token0 balance change (positive: the pool received it).
    /// @return amount1 The pool's token1 balance change.
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}

/// @title Receiver of a Uniswap V3 swap callback
interface IUniswapV3SwapCallback {
    /// @notice Called by the pool during `swap`: pay it the positive delta of the two.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}
