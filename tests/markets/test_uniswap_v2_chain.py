"""Uniswap V2 math equals the published routers' ``getAmountsOut``/``getAmountsIn`` and the pairs' swaps, to the wei."""

from __future__ import annotations

import ape
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.uniswap_v2 import get_amount_in, get_amounts_out
from tests.markets.conftest import CHAIN_SETTINGS, DEADLINE, read_v2_pool

# Paths each router can quote (every hop is a pair of that exchange).
PATHS = {
    "uniswap_v2": [
        ("WETH", "DAI"),
        ("DAI", "WETH"),
        ("USDC", "WETH"),
        ("WETH", "USDC"),
        ("DAI", "USDC"),
        ("USDC", "WETH", "DAI"),
        ("WETH", "DAI", "USDC", "WETH"),
        ("DAI", "USDC", "WETH", "DAI"),
    ],
    "v2b": [("WETH", "DAI"), ("USDC", "WETH"), ("DAI", "WETH", "USDC"), ("WETH", "USDC")],
}
ROUTES = [(exchange, path) for exchange, paths in PATHS.items() for path in paths]
AMOUNTS = st.one_of(st.integers(1, 10**4), st.integers(1, 10**24), st.integers(1, 2**112))


def _pair_name(world, exchange: str, a: str, b: str) -> str:
    for name in (f"{exchange}:{a}/{b}", f"{exchange}:{b}/{a}"):
        if name in world.book.pools:
            return name
    raise KeyError((exchange, a, b))


@pytest.fixture
def v2_pools(world):
    """Every V2 pair of the world, read once per test (a quote does not move reserves)."""
    return {name: read_v2_pool(world, name) for name, entry in world.book.pools.items() if entry.kind == "uniswap_v2"}


def _hop_reserves(world, exchange: str, path: tuple[str, ...], pools=None) -> list[tuple[int, int]]:
    reserves = []
    for a, b in zip(path, path[1:], strict=False):
        name = _pair_name(world, exchange, a, b)
        pool = pools[name] if pools else read_v2_pool(world, name)
        reserves.append(pool.reserves(pool.zero_for_one(world.book.address(a))))
    return reserves


def _predict_out(amount: int, reserves) -> list[int] | None:
    try:
        return get_amounts_out(amount, reserves)
    except ValueError:
        return None


@CHAIN_SETTINGS
@given(route=st.sampled_from(ROUTES), amount=AMOUNTS)
def test_get_amounts_out_equals_both_routers(world, v2_pools, route, amount):
    exchange, path = route
    router = world.contract(f"{exchange}_router")
    tokens = [world.book.address(s) for s in path]
    predicted = _predict_out(amount, _hop_reserves(world, exchange, path, v2_pools))
    if predicted is None:
        # The library's requires (zero intermediate amount, overflow) revert on chain too.
        with ape.reverts():
            router.getAmountsOut(amount, tokens)
    else:
        assert list(router.getAmountsOut(amount, tokens)) == predicted


@CHAIN_SETTINGS
@given(route=st.sampled_from(ROUTES), amount=st.one_of(st.integers(1, 10**6), st.integers(1, 10**22)))
def test_get_amount_in_equals_router_get_amounts_in(world, v2_pools, route, amount):
    exchange, path = route
    router = world.contract(f"{exchange}_router")
    tokens = [world.book.address(s) for s in path]
    reserves = _hop_reserves(world, exchange, path, v2_pools)
    try:
        amounts = [amount]
        for reserve_in, reserve_out in reversed(reserves):
            amounts.insert(0, get_amount_in(amounts[0], reserve_in, reserve_out))
    except ValueError:
        with ape.reverts():
            router.getAmountsIn(amount, tokens)
        return
    assert list(router.getAmountsIn(amount, tokens)) == amounts


@settings(CHAIN_SETTINGS, max_examples=10)
@given(
    swaps=st.lists(st.tuples(st.sampled_from(ROUTES), st.integers(1, 2_000)), min_size=1, max_size=3),
    probe=st.tuples(st.sampled_from(ROUTES), AMOUNTS),
)
def test_real_swaps_pay_the_prediction_and_leave_the_predicted_reserves(world, trader, chain, swaps, probe):
    """Swap through the routers (input: 0.01%..20% of the first pair's reserve): each swap pays what
    the math says and moves every pair's reserves as ``V2Pool.with_swap`` says; quotes on the moved
    pairs still match."""
    snapshot = chain.snapshot()
    try:
        for (exchange, path), reserve_bps in swaps:
            names = [_pair_name(world, exchange, a, b) for a, b in zip(path, path[1:], strict=False)]
            pools = [read_v2_pool(world, name) for name in names]
            token_in = world.book.address(path[0])
            amount = pools[0].reserves(pools[0].zero_for_one(token_in))[0] * reserve_bps // 10_000
            reserves = [p.reserves(p.zero_for_one(world.book.address(a))) for p, a in zip(pools, path, strict=False)]
            predicted = get_amounts_out(amount, reserves)
            out_token = world.token(path[-1])
            before = out_token.balanceOf(trader)

            tokens = [world.book.address(s) for s in path]
            world.contract(f"{exchange}_router").swapExactTokensForTokens(
                amount, predicted[-1], tokens, trader, DEADLINE, sender=trader
            )

            paid = out_token.balanceOf(trader) - before
            if path[0] == path[-1]:
                paid += amount  # a cycle: the same balance also paid the input
            assert paid == predicted[-1]
            for name, pool, a, amount_in in zip(names, pools, path, predicted, strict=False):
                expected = pool.with_swap(world.book.address(a), amount_in)
                assert read_v2_pool(world, name) == expected
        (exchange, path), amount = probe
        tokens = [world.book.address(s) for s in path]
        predicted = _predict_out(amount, _hop_reserves(world, exchange, path))
        if predicted is not None:
            assert list(world.contract(f"{exchange}_router").getAmountsOut(amount, tokens)) == predicted
    finally:
        chain.restore(snapshot)
