"""Uniswap V3 math ported from v3-core's libraries (Solidity 0.7.6), one module per library.

``full_math``, ``tick_math``, ``sqrt_price_math``, ``swap_math``, ``liquidity_math``
and ``tick_bitmap`` mirror the libraries of the same names; ``pool`` runs
``UniswapV3Pool.swap`` over a state snapshot with them. Ints in, ints out, no I/O.
"""

from keepers.markets.uniswap_v3.pool import SwapResult, Ticks, V3Pool

__all__ = ["SwapResult", "Ticks", "V3Pool"]
