"""The market driver on the real world's pools: seeded and reproducible, trades that land and
move prices by what they sold, liquidity in and out, and a refusal to run anywhere but a local
anvil."""

from __future__ import annotations

import pytest
from web3 import Web3

from keepers.config import ConfigError
from keepers.sim.accounts import require_dev_chain
from keepers.sim.market import MarketDriver, MarketParams
from keepers.toolchain.anvil import Anvil


@pytest.fixture
def w3(chain) -> Web3:
    return chain.provider.web3


@pytest.fixture
def make_driver(w3, world, artifacts):
    def make(**params) -> MarketDriver:
        market = MarketDriver(w3, world.book, artifacts, MarketParams(**params))
        market.setup()
        return market

    return make


def trades(market: MarketDriver) -> list[tuple]:
    """Five steps' trades, each step mined before the next reads the pools."""
    drawn = []
    for block in range(5):
        report = market.step(block)
        assert succeeded(market.w3, [t.tx_hash for t in report.trades])
        drawn += [(t.pool, t.token_in, t.amount_in, t.large) for t in report.trades]
    return drawn


def succeeded(w3: Web3, hashes: list[str]) -> bool:
    # Waited for: anvil mines a sent transaction right away, but on its own task.
    return all(w3.eth.wait_for_transaction_receipt(h, timeout=30)["status"] == 1 for h in hashes)


def test_the_same_seed_draws_the_same_market(chain, make_driver):
    runs = []
    for seed in (7, 7, 8):  # each from the same state
        snapshot = chain.snapshot()
        runs.append(trades(make_driver(seed=seed, swaps_per_block=3, large_trade_chance=0.3)))
        chain.restore(snapshot)
    assert runs[0] == runs[1] and len(runs[0]) >= 3
    assert runs[2] != runs[0]


def test_a_large_trade_lands_and_sells_its_share_of_the_pool(w3, world, make_driver):
    market = make_driver(swaps_per_block=0, large_trade_chance=1.0, large_trade_bps=300, liquidity_move_chance=0)
    (trade,) = market.step(1).trades
    assert trade.large and succeeded(w3, [trade.tx_hash])
    entry = world.book.pools[trade.pool]
    pair = w3.eth.contract(address=entry.address, abi=world._artifacts.abi("UniswapV2Pair"))
    after = pair.functions.getReserves().call()[entry.tokens.index(trade.token_in)]
    before = after - trade.amount_in
    assert trade.amount_in == before * 300 // 10_000  # 3% of the pool's balance of what it sold


def test_every_kind_of_step_succeeds_on_chain(w3, make_driver):
    market = make_driver(swaps_per_block=4, large_trade_chance=0.5, liquidity_move_chance=1.0)
    sent, moves = [], []
    for block in range(6):
        report = market.step(block)
        sent += [t.tx_hash for t in report.trades]
        moves += report.liquidity
        assert succeeded(w3, sent)
        w3.provider.make_request("evm_mine", [])  # the liquidity move's transactions too
    assert len(sent) >= 6
    assert len(moves) == 6 and any(m.startswith("remove") for m in moves)
    assert {pool.entry.kind for pool in market.pools} == {"uniswap_v2", "uniswap_v3"}  # not Balancer's


def test_only_a_local_anvil_is_driven(tmp_path):
    with Anvil(args=("--chain-id", "1"), log_path=tmp_path / "anvil.log") as node:
        with pytest.raises(ConfigError, match="only on a local anvil"):
            require_dev_chain(Web3(Web3.HTTPProvider(node.url)))
