"""Fixtures for the pool-math tests: a funded trader, and pool states read from the chain.

The readers here are test plumbing (I/O); the math under test in ``keepers.markets`` never
touches the chain.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak
from ethpm_types import ContractType
from hypothesis import HealthCheck, settings

from keepers.diamond.compile import compile_project
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3 import V3Pool
from keepers.markets.uniswap_v3.tick_math import MAX_TICK, MIN_TICK

DEADLINE = 2**32 - 1
MAX_UINT = 2**256 - 1
V3_POOL = "uniswap_v3:WETH/USDC/3000"
SPENDERS = ("uniswap_v2_router", "v2b_router", "uniswap_v3_router", "uniswap_v3_position_manager")


@pytest.fixture(scope="session", autouse=True)
def _compiled(request):
    """As the suite's own ``_compiled`` under ``ape test``; under plain pytest (``-p no:ape_test``) the
    pure-math tests here run without Ape, which has no ``project`` fixture then."""
    if request.config.pluginmanager.hasplugin("ape_test"):
        compile_project(request.getfixturevalue("project"))


@pytest.fixture
def trader(accounts, world):
    """An account holding WETH, DAI and USDC, with routers and the V3 position manager approved."""
    account = accounts[1]
    world.token("WETH").deposit(value=400 * 10**18, sender=account)
    world.token("DAI").mint(2_000_000 * 10**18, sender=account)
    world.token("USDC").mint(2_000_000 * 10**6, sender=account)
    for spender in SPENDERS:
        for symbol in ("WETH", "DAI", "USDC"):
            world.token(symbol).approve(world.book.address(spender), MAX_UINT, sender=account)
    return account


@pytest.fixture
def quoter(world):
    """QuoterV2 through plain web3: a reverting quote raises at once (Ape would trace it for seconds)."""
    address = world.book.address("uniswap_v3_quoter")
    return ape.chain.provider.web3.eth.contract(address, abi=world._artifacts.abi("QuoterV2")).functions


def read_v2_pool(world, name: str) -> V2Pool:
    """A V2 pair's state from ``getReserves`` (fee 30 bps, as the published pair charges)."""
    entry = world.book.pools[name]
    reserve0, reserve1, _ = world.contract(name).getReserves()
    token0, token1 = (world.book.address(symbol) for symbol in entry.tokens)
    return V2Pool(entry.address, token0, token1, reserve0, reserve1, fee_bps=entry.fee_pips // 100)


def v3_pool_contract(world, address: str):
    """An Ape handle on any V3 pool (the world's, or one a test created)."""
    contract_type = ContractType(contractName="UniswapV3Pool", abi=world._artifacts.abi("UniswapV3Pool"))
    return ape.chain.contracts.instance_at(address, contract_type=contract_type)


def read_tick_bitmap(pool) -> dict[int, int]:
    """The pool's non-zero ``tickBitmap`` words, all read in one JSON-RPC batch of ``eth_call``s."""
    web3 = ape.chain.provider.web3
    spacing = pool.tickSpacing()
    selector = keccak(text="tickBitmap(int16)")[:4]
    words = range((MIN_TICK // spacing) >> 8, ((MAX_TICK // spacing) >> 8) + 1)
    with web3.batch_requests() as batch:
        for word in words:
            batch.add(web3.eth.call({"to": pool.address, "data": selector + (word % 2**256).to_bytes(32, "big")}))
        values = batch.execute()
    bitmap = {word: int.from_bytes(value, "big") for word, value in zip(words, values, strict=True)}
    return {word: value for word, value in bitmap.items() if value}


def read_v3_pool(world, address: str | None = None) -> V3Pool:
    """A V3 pool's swap state: slot0, liquidity, and every initialized tick with its liquidityNet
    (the ticks of each non-empty bitmap word through the world's TickLens ``getPopulatedTicksInWord``)."""
    pool = v3_pool_contract(world, address or world.book.address(V3_POOL))
    lens = world.contract("uniswap_v3_tick_lens")
    slot0 = pool.slot0()
    ticks = {
        populated.tick: populated.liquidityNet
        for word in read_tick_bitmap(pool)
        for populated in lens.getPopulatedTicksInWord(pool.address, word)
    }
    return V3Pool(
        address=pool.address,
        token0=pool.token0(),
        token1=pool.token1(),
        fee=pool.fee(),
        tick_spacing=pool.tickSpacing(),
        sqrt_price_x96=slot0.sqrtPriceX96,
        tick=slot0.tick,
        liquidity=pool.liquidity(),
        ticks=ticks,
    )


def refresh_v3_pool(world, pool: V3Pool) -> V3Pool:
    """``pool`` with slot0 and liquidity read again (swaps never change the initialized ticks)."""
    contract = v3_pool_contract(world, pool.address)
    slot0 = contract.slot0()
    return pool.with_slot0(slot0.sqrtPriceX96, slot0.tick, contract.liquidity())


# Chain-backed properties: deterministic, few examples (each one is an eth_call or a swap).
CHAIN_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Pure math: many examples, still deterministic.
PURE_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)
