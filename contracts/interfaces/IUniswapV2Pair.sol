// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Uniswap V2 pair surface
/// @notice The subset of a Uniswap-V2-style pair used to trade against it directly: the input is
/// transferred to the pair first, then `swap` sends the output and checks the constant product.
interface IUniswapV2Pair {
    function token0() external view returns (address);

    function token1() external view returns (address);

    /// @notice The reserves as of the pair's last update (not its live balances).
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    /// @notice Sends `amount0Out` of token0 and `amount1Out` of token1 to `to`; the input must already
    /// be in the pair. A non-empty `data` makes it a flash swap (not used here).
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
