"""The pool registry: discovery from factory logs, state kept from pool logs equals a fresh read."""

from __future__ import annotations

import pytest

from keepers.arb.registry import PoolRegistry
from keepers.config import FactorySettings
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store

DEADLINE = 2**32 - 1


@pytest.fixture
def factories(world) -> list[FactorySettings]:
    book = world.book
    return [
        FactorySettings(name="uniswap_v2", kind="uniswap_v2", address=book.address("uniswap_v2_factory")),
        FactorySettings(name="v2b", kind="uniswap_v2", address=book.address("v2b_factory")),
        FactorySettings(name="uniswap_v3", kind="uniswap_v3", address=book.address("uniswap_v3_factory")),
    ]


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'journal.db'}")


def fresh(chain, store, factories, block) -> PoolRegistry:
    registry = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=7)
    registry.load()
    registry.backfill(block)
    registry.read_states(block)
    return registry


@pytest.fixture
def trader(accounts, world):
    account = accounts[5]
    world.token("WETH").deposit(value=500 * 10**18, sender=account)
    world.token("DAI").mint(2_000_000 * 10**18, sender=account)
    world.token("USDC").mint(2_000_000 * 10**6, sender=account)
    for spender in ("uniswap_v2_router", "v2b_router", "uniswap_v3_router", "uniswap_v3_position_manager"):
        for symbol in ("WETH", "DAI", "USDC"):
            world.token(symbol).approve(world.book.address(spender), 2**256 - 1, sender=account)
    return account


def test_backfill_discovers_every_world_pool_with_progress(chain, store, factories, world):
    registry = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=7)
    progress = []
    found = registry.backfill(chain.blocks.height, lambda *args: progress.append(args))
    expected = {p.address for p in world.book.pools.values() if p.kind in ("uniswap_v2", "uniswap_v3")}
    assert found == len(expected) and set(registry.pools) == expected
    assert progress and progress[-1][1] == progress[-1][2]  # last report: all blocks done
    v3 = registry.pools[world.book.address("uniswap_v3:WETH/USDC/3000")]
    assert (v3.kind, v3.fee, v3.tick_spacing) == ("uniswap_v3", 3000, 60)


def test_restart_resumes_from_the_store_without_rescanning(chain, store, factories):
    head = chain.blocks.height
    fresh(chain, store, factories, head)
    again = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=7)
    again.load()
    calls = []
    assert again.backfill(head, lambda *args: calls.append(args)) == 0
    assert calls == []  # nothing left to scan
    assert len(again.pools) == 6


def test_state_from_logs_equals_a_fresh_read(chain, store, factories, world, trader, accounts):
    registry = fresh(chain, store, factories, chain.blocks.height)
    book = world.book
    weth, dai, usdc = (book.address(s) for s in ("WETH", "DAI", "USDC"))
    router_a, router_b = world.contract("uniswap_v2_router"), world.contract("v2b_router")
    v3_router, manager = world.contract("uniswap_v3_router"), world.contract("uniswap_v3_position_manager")
    v3_pool = world.contract("uniswap_v3:WETH/USDC/3000")
    spacing = v3_pool.tickSpacing()

    router_a.swapExactTokensForTokens(40 * 10**18, 0, [weth, dai], trader, DEADLINE, sender=trader)
    router_b.swapExactTokensForTokens(90_000 * 10**18, 0, [dai, weth], trader, DEADLINE, sender=trader)
    router_a.swapExactTokensForTokens(70_000 * 10**6, 0, [usdc, weth, dai], trader, DEADLINE, sender=trader)
    tick = v3_pool.slot0().tick
    token0, token1 = sorted([weth, usdc], key=lambda a: int(a, 16))
    # A new position around the price, then a partial burn of it: both move initialized ticks.
    receipt = manager.mint(
        (
            token0,
            token1,
            3000,
            (tick // spacing - 3) * spacing,
            (tick // spacing + 5) * spacing,
            10**18 if token0 == weth else 2_000 * 10**6,
            2_000 * 10**6 if token0 == weth else 10**18,
            0,
            0,
            trader.address,
            DEADLINE,
        ),
        sender=trader,
    )
    token_id = next(iter(manager.IncreaseLiquidity.from_receipt(receipt))).tokenId
    liquidity = manager.positions(token_id).liquidity
    manager.decreaseLiquidity((token_id, liquidity // 3, 0, 0, DEADLINE), sender=trader)
    # Swaps large enough to cross initialized ticks, both ways.
    v3_router.exactInputSingle((weth, usdc, 3000, trader.address, DEADLINE, 80 * 10**18, 0, 0), sender=trader)
    v3_router.exactInputSingle((usdc, weth, 3000, trader.address, DEADLINE, 90_000 * 10**6, 0, 0), sender=trader)
    # A pool created after the registry started.
    world.contract("v2b_factory").createPair(dai, usdc, sender=trader)

    head = chain.blocks.height
    changed = registry.sync(head)

    reread = fresh(chain, Store(f"sqlite:///{store.engine.url.database}.2"), factories, head)
    assert set(registry.pools) == set(reread.pools)
    assert registry.states == reread.states
    new_pair = world.contract("v2b_factory").getPair(dai, usdc)
    assert new_pair in registry.pools and new_pair in changed
    assert book.address("uniswap_v3:WETH/USDC/3000") in changed
    v3_state = registry.states[book.address("uniswap_v3:WETH/USDC/3000")]
    assert isinstance(v3_state, V3Pool) and len(v3_state.ticks) == 6
    assert registry.sync(head) == set()  # nothing new


def test_sync_without_a_starting_state_is_refused(chain, store, factories):
    registry = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=7)
    with pytest.raises(RuntimeError, match="read_states"):
        registry.sync(chain.blocks.height)
