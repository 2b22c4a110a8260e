"""A weighted pool in the cycle search and sizing, without a chain: its hops (every pair, both ways),
its ceiling map at or above every exact output, and sized cycles whose profit is the exact one."""

from __future__ import annotations

import random

from keepers.markets.balancer_weighted import WeightedPool
from keepers.markets.cycles import Cycle, enumerate_cycles, hops_of
from keepers.markets.sizing import (
    GasModel,
    SizingParams,
    cycle_amount_out,
    hop_ceiling_map,
    marginal_rate,
    size_cycle,
)
from keepers.markets.uniswap_v2 import V2Pool

E18 = 10**18
WETH, DAI, USDC = "0x" + "0a" * 20, "0x" + "1b" * 20, "0x" + "2c" * 20


def weighted(balances=(500 * E18, 1_000_000 * E18, 500_000 * 10**6), weights=(50, 25, 25)) -> WeightedPool:
    return WeightedPool(
        "0x" + "ba" * 20,
        bytes(32),
        (WETH, DAI, USDC),
        balances,
        tuple(w * 10**16 for w in weights),
        (1, 1, 10**12),
        3 * 10**15,
    )


def test_a_three_token_pool_gives_both_directions_of_every_pair():
    hops = hops_of(weighted())
    assert {(h.token_in, h.token_out) for h in hops} == {
        (a, b) for a in (WETH, DAI, USDC) for b in (WETH, DAI, USDC) if a != b
    }
    assert all(h.zero_for_one == (int(h.token_in, 16) < int(h.token_out, 16)) for h in hops)
    assert len(hops_of(weighted().pair(DAI, WETH))) == 2


def test_the_ceiling_map_is_at_or_above_every_exact_output():
    rng = random.Random(7)
    for weights in ((50, 25, 25), (80, 10, 10), (2, 49, 49)):
        pool = weighted(weights=weights)
        for hop in hops_of(pool):
            ceiling = hop_ceiling_map(pool, hop)
            num, den = marginal_rate(pool, hop)
            assert ceiling.k * den == ceiling.m * num  # slope at zero: the marginal rate
            balance = pool.balances[pool.index(hop.token_in)]
            for _ in range(60):
                x = rng.randint(1, balance * 3 // 10)
                assert pool.amount_out(hop.token_in, hop.token_out, x) <= ceiling(x)


def test_a_sized_cycle_through_the_pool_is_exact():
    pool = weighted()
    # WETH cheap on the pair (2,000 DAI where the pool prices 4,000): sell it on the pool, buy it back here.
    pair = V2Pool("0x" + "77" * 20, WETH, DAI, 1_000 * E18, 2_000_000 * E18, 30)
    pools = {pool.address: pool, pair.address: pair}
    cycles = [c for c in enumerate_cycles(pools.values(), WETH, 2) if c.hops[0].pool == pool.address]
    (cycle,) = [c for c in cycles if c.hops[0].token_out == DAI]
    params = SizingParams(base_fee_wei=10**9, gas=GasModel(100_000, 60_000, 120_000))
    opportunity = size_cycle(cycle, pools, params)
    assert opportunity is not None and opportunity.net_profit > 0
    assert opportunity.amount_out == cycle_amount_out(cycle, pools, opportunity.amount_in)
    # No nearby input does better (the search may not prove the optimum on deep pools; it is close).
    for x in (opportunity.amount_in * 99 // 100, opportunity.amount_in * 101 // 100):
        assert cycle_amount_out(cycle, pools, x) - x <= opportunity.gross_profit * 1001 // 1000
    assert isinstance(Cycle(cycle.hops), Cycle)
