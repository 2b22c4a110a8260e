"""A pool's spot price read over an RPC: the "mirror the real network onto the test network" source.

The reference is a pool on another chain (mainnet, or an anvil with chain id 1 serving a copy of
it); the market to correct lives on this one. Each observation reads the head block of that chain
and, at that block, the pool's V2 reserves or V3 ``slot0``: the price is the pool's marginal
(fee-free) price from :mod:`keepers.markets.spot`, dated by that block's timestamp.
"""

from __future__ import annotations

from keepers.markets.spot import v2_spot, v3_spot
from keepers.prices.onchain import PoolPriceSource
from keepers.prices.quote import Quote


class PoolSource(PoolPriceSource):
    """The spot price of ``base_token`` in the other token of a V2 pair or V3 pool."""

    def observe(self) -> Quote:
        head = self.pool.head()
        base_is_token0 = self.pool.base_is_token0(head)
        if self.pool.kind == "uniswap_v2":
            reserve0, reserve1, _ = self.pool.call("getReserves", block=head.number)
            base, quote = (reserve0, reserve1) if base_is_token0 else (reserve1, reserve0)
            if base == 0:
                raise self.unavailable(f"pair {self.pool.contract.address} holds no reserves")
            price = v2_spot(base, quote)
        else:
            sqrt_price_x96 = self.pool.call("slot0", block=head.number)[0]
            if sqrt_price_x96 == 0:
                raise self.unavailable(f"pool {self.pool.contract.address} is not initialized")
            price = v3_spot(sqrt_price_x96, base_is_token0)
        return Quote(self.name, price, observed_at=head.timestamp, max_age=self.max_age, block=head.number)
