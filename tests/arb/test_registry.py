"""The pool registry: discovery from factory logs, state kept from pool logs equals a fresh read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from web3 import Web3

from keepers.arb.pool_logs import STATE_TOPICS, SYNC, apply_logs
from keepers.arb.registry import PAIR_CREATED, POOL_CREATED, PoolRegistry
from keepers.chain.client import LogQueryError, TooManyResults, get_logs, get_raw_logs
from keepers.config import FactorySettings
from keepers.markets.uniswap_v3.pool import V3Pool
from keepers.store.db import Store
from keepers.store.models import PoolRecord, PoolStateRecord, PoolStateSnapshot
from tests.arb.legacy_registry import legacy_apply_logs
from tests.arb.rpc_proxy import LimitingRpcProxy

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


def trade_everything(chain, world, trader) -> None:
    """V2 swaps on both DEXes, a V3 mint and partial burn around the price, V3 swaps crossing
    initialized ticks both ways, and a pool created on the way."""
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


def test_state_from_logs_equals_a_fresh_read(chain, store, factories, world, trader, accounts):
    registry = fresh(chain, store, factories, chain.blocks.height)
    book = world.book
    trade_everything(chain, world, trader)

    head = chain.blocks.height
    changed = registry.sync(head)

    reread = fresh(chain, Store(f"sqlite:///{store.engine.url.database}.2"), factories, head)
    assert set(registry.pools) == set(reread.pools)
    assert registry.states == reread.states
    dai, usdc = book.address("DAI"), book.address("USDC")
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


# -- the raw-log path -------------------------------------------------------------------------


class CountingRegistry(PoolRegistry):
    """Notes every pool it reads whole from the chain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: list[str] = []

    def read_states(self, block, pools=None):
        self.read += list(pools if pools is not None else self.pools)
        super().read_states(block, pools)


@pytest.fixture
def proxy(chain):
    proxy = LimitingRpcProxy(chain.provider.web3.provider.endpoint_uri)
    yield proxy
    proxy.close()


def other_store(store, name: str) -> Store:
    return Store(f"sqlite:///{store.engine.url.database}.{name}")


def test_raw_logs_apply_as_the_formatted_path_did(chain, store, factories, world, trader):
    start = chain.blocks.height
    registry = fresh(chain, store, factories, start)
    initial, initial_gross = dict(registry.states), {a: dict(g) for a, g in registry._gross.items()}
    trade_everything(chain, world, trader)
    head, w3 = chain.blocks.height, chain.provider.web3

    raw = get_raw_logs(w3, start + 1, head, [list(STATE_TOPICS)], 3)
    formatted = get_logs(w3, start + 1, head, [list(STATE_TOPICS)], 3)
    assert len(raw) == len(formatted) and {log["topics"][0] for log in raw} == set(STATE_TOPICS)
    new_states, new_gross = dict(initial), {a: dict(g) for a, g in initial_gross.items()}
    old_states, old_gross = dict(initial), {a: dict(g) for a, g in initial_gross.items()}
    changed = apply_logs(raw, new_states, new_gross, registry._addresses)
    assert changed == legacy_apply_logs(formatted, old_states, old_gross)
    assert new_states == old_states and new_gross == old_gross
    reread = fresh(chain, other_store(store, "reread"), factories, head)
    assert new_states == {a: reread.states[a] for a in initial}
    assert new_gross == {a: reread._gross[a] for a in initial_gross}


def test_a_malformed_log_makes_its_pools_read_whole(chain, store, factories, world, trader, proxy):
    w3 = Web3(Web3.HTTPProvider(proxy.url))
    registry = PoolRegistry(w3, store, chain.chain_id, factories, chunk=7)
    registry.start(chain.blocks.height)
    trade_everything(chain, world, trader)
    head = chain.blocks.height

    def truncate_syncs(method, params, result):
        if method != "eth_getLogs":
            return result
        return [{**log, "data": log["data"][:-2]} if log["topics"][0] == SYNC else log for log in result]

    proxy.rewrite = truncate_syncs
    registry.sync(head)
    proxy.rewrite = None
    assert registry.states == fresh(chain, other_store(store, "reread"), factories, head).states


# -- discovery ----------------------------------------------------------------------------------


def test_concurrent_backfill_equals_sequential_and_splits_what_the_node_refuses(chain, store, factories, proxy):
    head = chain.blocks.height
    sequential = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=head + 1, workers=1)
    sequential.backfill(head)
    proxy.max_logs = 1  # the world's factories created several pools in one block range: refused, split
    concurrent = PoolRegistry(
        Web3(Web3.HTTPProvider(proxy.url)), other_store(store, "c"), chain.chain_id, factories, chunk=16, workers=4
    )
    progress = []
    assert concurrent.backfill(head, lambda *args: progress.append(args)) == len(sequential.pools) == 6
    assert concurrent.pools == sequential.pools
    assert proxy.refused > 0
    done = {}
    for factory, blocks, total, _pools in progress:
        assert blocks > done.get(factory, 0) and blocks <= total
        done[factory] = blocks
    assert progress[-1][1] == progress[-1][2]
    # web3-formatted logs split the same way.
    creations = [[PAIR_CREATED, POOL_CREATED]]
    proxied = get_logs(Web3(Web3.HTTPProvider(proxy.url)), 0, head, creations, head + 1)
    assert proxied == get_logs(chain.provider.web3, 0, head, creations, head + 1) and len(proxied) == 6
    # A single block holding more than the node will return cannot be split: the error says so.
    proxy.max_logs = 0
    again = PoolRegistry(
        Web3(Web3.HTTPProvider(proxy.url)), other_store(store, "d"), chain.chain_id, factories, chunk=head + 1
    )
    with pytest.raises(TooManyResults):
        again.backfill(head)


def test_backfill_resumes_after_a_crash_without_skipping_or_duplicating(chain, store, factories, proxy):
    head = chain.blocks.height
    reference = PoolRegistry(chain.provider.web3, other_store(store, "ref"), chain.chain_id, factories, chunk=head + 1)
    reference.backfill(head)
    w3 = Web3(Web3.HTTPProvider(proxy.url))

    # A node error in the middle of the second factory's history, while later ranges succeed.
    v2b = next(info for info in reference.pools.values() if info.exchange == "v2b")
    proxy.fail_blocks = {v2b.created_block}
    crashed = PoolRegistry(w3, store, chain.chain_id, factories, chunk=2, workers=4)
    with pytest.raises(LogQueryError, match="header not found"):
        crashed.backfill(head)
    check_cursors_cover_stored_pools(chain, store, factories, reference)
    proxy.fail_blocks = set()

    # Then a crash of the caller itself (its progress callback raises) on the third commit.
    class Crash(Exception):
        pass

    calls = []

    def crash_on_third(*args):
        calls.append(args)
        if len(calls) == 3:
            raise Crash

    restarted = PoolRegistry(w3, store, chain.chain_id, factories, chunk=2, workers=4)
    restarted.load()
    with pytest.raises(Crash):
        restarted.backfill(head, crash_on_third)
    stored = check_cursors_cover_stored_pools(chain, store, factories, reference)

    last = PoolRegistry(w3, store, chain.chain_id, factories, chunk=2, workers=4)
    last.load()
    assert len(last.pools) == len(stored)
    assert last.backfill(head) == len(reference.pools) - len(stored)
    assert last.pools == reference.pools
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(PoolRecord)) == len(reference.pools)


def check_cursors_cover_stored_pools(chain, store, factories, reference) -> set[str]:
    """Every pool created at or before its factory's cursor is stored: a crash never skipped a range."""
    probe = PoolRegistry(chain.provider.web3, store, chain.chain_id, factories, chunk=1)
    probe.load()
    for address in probe.factories:
        cursor = probe._cursor(f"discovery:{address}")
        below = {a for a, info in reference.pools.items() if info.factory == address and info.created_block <= cursor}
        assert below <= set(probe.pools)
    return set(probe.pools)


# -- the journal of states ----------------------------------------------------------------------


def test_a_restart_loads_journaled_states_and_catches_up_by_logs(chain, store, factories, world, trader):
    w3 = chain.provider.web3
    registry = fresh(chain, store, factories, chain.blocks.height)
    assert registry.snapshot() == 6
    assert registry.snapshot() == 0  # nothing changed since
    trade_everything(chain, world, trader)
    head = chain.blocks.height

    restarted = CountingRegistry(w3, store, chain.chain_id, factories, chunk=7)
    restarted.start(head)
    expected = fresh(chain, other_store(store, "reread"), factories, head)
    assert restarted.states == expected.states and restarted._gross == expected._gross
    new_pair = world.contract("v2b_factory").getPair(world.book.address("DAI"), world.book.address("USDC"))
    assert restarted.read == [new_pair]  # only the pool the snapshot did not know was read from chain
    assert restarted.block == head and restarted.sync(head) == set()

    # Only what changed since the snapshot is written; then a start reads nothing from chain.
    written = restarted.snapshot(force=True)
    assert 0 < written < 7
    third = CountingRegistry(w3, store, chain.chain_id, factories, chunk=7)
    third.start(head)
    assert third.read == [] and third.states == expected.states


def test_a_snapshot_whose_block_left_the_chain_is_used_up_to_the_fork(chain, store, factories, world, trader):
    w3, book = chain.provider.web3, world.book
    weth, dai = book.address("WETH"), book.address("DAI")
    registry = fresh(chain, store, factories, chain.blocks.height)
    registry.snapshot()  # every pool, as of the block the fork will branch from
    fork = chain.snapshot()
    # On the branch that will be orphaned: a swap on one pair, journaled.
    world.contract("uniswap_v2_router").swapExactTokensForTokens(
        40 * 10**18, 0, [weth, dai], trader, DEADLINE, sender=trader
    )
    registry.sync(chain.blocks.height)
    assert registry.snapshot(force=True) == 1
    chain.restore(fork)
    # The branch that stays: a swap on another pair, and more blocks than the orphaned branch had.
    world.contract("v2b_router").swapExactTokensForTokens(40 * 10**18, 0, [weth, dai], trader, DEADLINE, sender=trader)
    chain.mine(3)
    head = chain.blocks.height

    restarted = CountingRegistry(w3, store, chain.chain_id, factories, chunk=7)
    restarted.start(head)
    assert restarted.states == fresh(chain, other_store(store, "reread"), factories, head).states
    assert restarted.read == [book.address("uniswap_v2:WETH/DAI")]  # written in the orphaned block

    # A journal with no block left in the chain is not used at all.
    with store.transaction() as session:
        session.execute(update(PoolStateRecord).values(block_hash="0x" + "00" * 32))
        session.execute(update(PoolStateSnapshot).values(block_hash="0x" + "00" * 32))
    everything = CountingRegistry(w3, store, chain.chain_id, factories, chunk=7)
    everything.start(head)
    assert sorted(everything.read) == sorted(everything.pools) and everything.states == restarted.states
