"""The on-chain sources against real pools: a pool on another chain (an anvil with chain id 1 serving its
own world) while the market lives on Ape's chain, and the TWAPs of the market chain's own pools.

Expected prices are computed here from what the chain shows (reserves, ``slot0``, the ticks the
pool held and for how long), not from the sources' code paths.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from web3 import Web3

from keepers.markets.spot import v3_spot
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from keepers.prices.onchain import node
from keepers.prices.pool import PoolSource
from keepers.prices.quote import PriceUnavailable
from keepers.prices.reference import Reference, ReferencePrices
from keepers.prices.settings import PoolSourceSettings
from keepers.prices.sources import build_source
from keepers.prices.twap import V2TwapSource, V3TwapSource

V2_POOL, V3_POOL = "uniswap_v2:WETH/USDC", "uniswap_v3:WETH/USDC/3000"
DEADLINE = 2**32 - 1
MAX_UINT = 2**256 - 1


def pair_price(w3: Web3, abi: list, address: str, base_is_token0: bool) -> Fraction:
    """USDC base units per WETH base unit, straight from the pair's reserves."""
    reserve0, reserve1, _ = w3.eth.contract(address, abi=abi).functions.getReserves().call()
    return Fraction(reserve1, reserve0) if base_is_token0 else Fraction(reserve0, reserve1)


def test_a_pool_on_another_chain_prices_the_market_chain(chain, world, reference_chain, artifacts):
    url, w3, book = reference_chain
    weth, usdc = book.token("WETH").address, book.token("USDC").address
    v2, v3 = book.pools[V2_POOL], book.pools[V3_POOL]
    weth_is_token0 = v2.tokens[0] == "WETH"
    pair_abi = artifacts.abi("UniswapV2Pair")
    v2_source = build_source(
        PoolSourceSettings(
            name="mainnet-v2", rpc_url=url, chain_id=1, pool=v2.address, pool_kind="uniswap_v2", base_token=weth
        )
    )
    v3_source = PoolSource("mainnet-v3", w3, v3.address, "uniswap_v3", weth, chain_id=1)
    head = w3.eth.get_block("latest")

    quote = v2_source.quote(head["timestamp"])
    assert quote.price == pair_price(w3, pair_abi, v2.address, weth_is_token0)
    assert (quote.block, quote.observed_at) == (head["number"], head["timestamp"])
    sqrt_price = w3.eth.contract(v3.address, abi=artifacts.abi("UniswapV3Pool")).functions.slot0().call()[0]
    exact = Fraction(sqrt_price**2, 2**192)
    assert v3_source.quote(head["timestamp"]).price == (exact if v3.tokens[0] == "WETH" else 1 / exact)

    # The reference moves 5% (USDC paid into the pair, synced); the market chain's pool does not.
    usdc_token = w3.eth.contract(usdc, abi=artifacts.abi("MintableERC20"))
    reserve_usdc = usdc_token.functions.balanceOf(v2.address).call()
    sender = {"from": w3.eth.accounts[0]}
    usdc_token.functions.mint(v2.address, reserve_usdc * 5 // 100).transact(sender)
    w3.eth.contract(v2.address, abi=pair_abi).functions.sync().transact(sender)
    moved = v2_source.quote(w3.eth.get_block("latest")["timestamp"])
    assert moved.price == pair_price(w3, pair_abi, v2.address, weth_is_token0)
    assert Fraction(21, 20) * quote.price - moved.price < quote.price / 10**6  # +5%, to the pair's rounding

    market = chain.provider.web3
    assert (market.eth.chain_id, w3.eth.chain_id) == (chain.chain_id, 1) and chain.chain_id != 1
    market_price = pair_price(
        market, pair_abi, world.book.address(V2_POOL), world.book.pools[V2_POOL].tokens[0] == "WETH"
    )
    assert market_price < moved.price  # what the market maker would correct

    # The same pool address on the market chain is no reference: the chain id says so.
    misdirected = PoolSource("market-v2", market, v2.address, "uniswap_v2", weth, chain_id=1)
    with pytest.raises(PriceUnavailable, match=f"serves chain {chain.chain_id}, not chain 1"):
        misdirected.quote(head["timestamp"])

    prices = ReferencePrices([v2_source, v3_source, misdirected], band_bps=1_000, clock=lambda: moved.observed_at)
    reference = prices.read()
    assert isinstance(reference, Reference) and [r.source for r in reference.refusals] == ["market-v2"]
    assert reference.price == (reference.quotes[0].price + reference.quotes[1].price) / 2


def test_on_chain_sources_refuse_what_is_not_a_pool(reference_chain):
    url, w3, book = reference_chain
    weth = book.token("WETH").address
    a_token = PoolSource("x", w3, book.token("USDC").address, "uniswap_v2", weth)
    with pytest.raises(PriceUnavailable, match="is not a uniswap_v2 pool: token0 reverted: execution reverted"):
        a_token.observe()
    nothing = PoolSource("x", w3, w3.eth.accounts[9], "uniswap_v3", weth)
    with pytest.raises(PriceUnavailable, match="answered token0 with nothing a uniswap_v3 pool would: no contract"):
        nothing.observe()
    wrong_base = PoolSource(
        "x", w3, book.pools["uniswap_v2:WETH/DAI"].address, "uniswap_v2", book.token("USDC").address
    )
    with pytest.raises(PriceUnavailable, match="is not a token of pool"):
        wrong_base.observe()
    gone = PoolSource("x", node("http://127.0.0.1:9", timeout=1), weth, "uniswap_v2", weth)
    with pytest.raises(PriceUnavailable, match=r"no answer from the node at http://127.0.0.1:9 \(ConnectionError\)"):
        gone.observe()


@pytest.fixture
def trader(accounts, world):
    """An account with WETH and USDC, the V3 router approved."""
    account = accounts[7]
    world.token("WETH").deposit(value=100 * 10**18, sender=account)
    world.token("USDC").mint(500_000 * 10**6, sender=account)
    for symbol in ("WETH", "USDC"):
        world.token(symbol).approve(world.book.address("uniswap_v3_router"), MAX_UINT, sender=account)
    return account


def test_v3_twap_is_the_price_at_the_exact_mean_tick(chain, world, trader):
    pool = world.contract(V3_POOL, "UniswapV3Pool")
    router = world.contract("uniswap_v3_router")
    weth, usdc = world.book.address("WETH"), world.book.address("USDC")
    pool.increaseObservationCardinalityNext(16, sender=trader)

    def swap(token_in: str, token_out: str, amount: int, at: int) -> int:
        chain.pending_timestamp = at
        router.exactInputSingle((token_in, token_out, 3000, trader.address, DEADLINE, amount, 0, 0), sender=trader)
        return pool.slot0().tick

    t1 = chain.pending_timestamp + 100  # the pool's last observation stays well before the window
    k1 = swap(weth, usdc, 20 * 10**18, t1)
    t2 = t1 + 300
    k2 = swap(usdc, weth, 150_000 * 10**6, t2)
    end = t2 + 170
    chain.mine(timestamp=end)
    assert k1 != k2

    window = 451  # from t1 + 19 (inside the k1 stretch) to the end: not a whole number of ticks
    source = V3TwapSource("twap", chain.provider.web3, pool.address, weth, window=window, max_age=30)
    quote = source.quote(end)
    expected_tick = math.floor(Fraction(k1 * (t2 - (end - window)) + k2 * (end - t2), window))
    weth_is_token0 = world.book.pools[V3_POOL].tokens[0] == "WETH"
    assert quote.price == v3_spot(get_sqrt_ratio_at_tick(expected_tick), weth_is_token0)
    assert (quote.observed_at, quote.block) == (end, chain.blocks.head.number)
    one_tick = 1.0001 ** (expected_tick if weth_is_token0 else -expected_tick)
    assert float(quote.price) == pytest.approx(one_tick, rel=1e-12)

    with pytest.raises(PriceUnavailable, match="does not reach back 1000000 s: raise its observation cardinality"):
        V3TwapSource("twap", chain.provider.web3, pool.address, weth, window=10**6).quote(end)
    with pytest.raises(PriceUnavailable, match=r"stale: observed 31 s ago"):
        source.quote(end + 31)


def test_v2_twap_averages_the_pairs_cumulative_price_between_reads(chain, world, accounts):
    pair = world.contract(V2_POOL, "UniswapV2Pair")
    weth = world.book.address("WETH")
    weth_is_token0 = world.book.pools[V2_POOL].tokens[0] == "WETH"
    source = V2TwapSource("v2-twap", chain.provider.web3, pair.address, weth, window=100)

    def uq112(reserves) -> int:  # the pair's own UQ112x112 price of WETH, as _update accumulates it
        base, quote = (reserves[0], reserves[1]) if weth_is_token0 else (reserves[1], reserves[0])
        return (quote << 112) // base

    t0 = chain.pending_timestamp + 10
    chain.mine(timestamp=t0)
    before = pair.getReserves()
    with pytest.raises(PriceUnavailable, match="warming up: reads span 0 s of the 100 s window"):
        source.observe()

    chain.pending_timestamp = t0 + 40  # USDC paid in; the price moves when the pair syncs, at t0 + 41
    world.token("USDC").mint(pair.address, before[1 if weth_is_token0 else 0] // 10, sender=accounts[7])
    chain.pending_timestamp = t0 + 41
    pair.sync(sender=accounts[7])
    after = pair.getReserves()
    chain.mine(timestamp=t0 + 70)
    with pytest.raises(PriceUnavailable, match="warming up: reads span 70 s"):
        source.observe()
    chain.mine(timestamp=t0 + 100)

    quote = source.observe()
    assert quote.price == Fraction(uq112(before) * 41 + uq112(after) * 59, 100 << 112)
    assert quote.observed_at == t0 + 100
    assert quote.price != Fraction(uq112(after), 1 << 112)
