// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Uniswap V3 factory lookup
/// @notice The pool the factory created for two tokens and a fee tier (tokens in either order), or
/// zero. With the key a pool reports (`IUniswapV3PoolKey`), the one way to tell a genuine pool from a
/// contract that only claims to be one.
interface IUniswapV3Factory {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}

/// @title A Uniswap V3 pool's key
/// @notice What the factory created the pool for: its tokens (sorted by address) and its fee tier in
/// hundredths of a basis point (3000 = 0.3%).
interface IUniswapV3PoolKey {
    function token0() external view returns (address);

    function token1() external view returns (address);

    function fee() external view returns (uint24);
}
