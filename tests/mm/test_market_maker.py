"""The market maker end to end on two chains: the reference is the world's WETH/USDC pair on an anvil
with chain id 1 (the "real network"), the market is the world's WETH/USDC V3 pool on Ape's chain.
A 5% move of the reference is corrected within one cycle by pieces from ten wallets; every piece is
booked to the wei and reconciles with chain balances; cycles in the band send nothing; each limit
stops the keeper with its figures; stale or disagreeing sources refuse to act."""

from __future__ import annotations

import io
import os
import threading
import time
from fractions import Fraction

import pytest
from web3 import Web3

from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import SenderPool
from keepers.config import MmSettings, MmTokenSettings
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import Market, MarketMaker, MarketMakerStopped, off_by_bps
from keepers.mm.wallets import WalletLimits, Wallets
from keepers.prices.pool import PoolSource
from keepers.prices.reference import ReferencePrices
from keepers.store.db import Store
from tests.mm.conftest import funded

REFERENCE_PAIR, MARKET_POOL = "uniswap_v2:WETH/USDC", "uniswap_v3:WETH/USDC/3000"
WALLETS = 10
CYCLES = 100 if os.environ.get("LAPIDARY_SCALE_FULL") else 4  # make test-scale runs the 100
E18, E6 = 10**18, 10**6


def limits(world, **overrides) -> dict[str, MmTokenSettings]:
    weth, usdc = world.book.address("WETH"), world.book.address("USDC")
    tokens = {
        weth: dict(piece_floor=E18 // 100, piece_cap=5 * E18, wallet_cycle_max=20 * E18),
        usdc: dict(piece_floor=10 * E6, piece_cap=20_000 * E6, wallet_cycle_max=100_000 * E6),
    }
    for symbol, fields in overrides.items():
        tokens[world.book.address(symbol)].update(fields)
    return {token: MmTokenSettings(**fields) for token, fields in tokens.items()}


class Reference:
    """The chain-1 world's WETH/USDC pair, moved by minting into it and syncing (no trader needed)."""

    def __init__(self, reference_chain, artifacts):
        self.url, self.w3, self.book = reference_chain
        self.pair = self.w3.eth.contract(self.book.pools[REFERENCE_PAIR].address, abi=artifacts.abi("UniswapV2Pair"))
        self._erc20 = artifacts.abi("MintableERC20")
        self._weth9 = artifacts.abi("WETH9")

    def source(self, name: str = "mainnet", max_age: int = 10**9) -> PoolSource:
        weth = self.book.token("WETH").address
        return PoolSource(
            name, Web3(Web3.HTTPProvider(self.url)), self.pair.address, "uniswap_v2", weth, max_age=max_age, chain_id=1
        )  # noqa: E501

    def move(self, percent: int) -> None:
        """Raise WETH's price by `percent` (USDC paid in) or lower it (WETH paid in)."""
        symbol = "USDC" if percent > 0 else "WETH"
        token = self.w3.eth.contract(self.book.token(symbol).address, abi=self._erc20)
        sender = {"from": self.w3.eth.accounts[0]}
        amount = token.functions.balanceOf(self.pair.address).call() * abs(percent) // 100
        if symbol == "WETH":  # a hundred cycles of moves outgrow the node's prefunded 10,000 ETH
            balance = self.w3.eth.get_balance(sender["from"]) + amount
            self.w3.provider.make_request("anvil_setBalance", [sender["from"], hex(balance)])
            weth = self.w3.eth.contract(token.address, abi=self._weth9)
            weth.functions.deposit().transact(sender | {"value": amount})
            weth.functions.transfer(self.pair.address, amount).transact(sender)
        else:
            token.functions.mint(self.pair.address, amount).transact(sender)
        self.pair.functions.sync().transact(sender)


@pytest.fixture
def reference(reference_chain, artifacts) -> Reference:
    """The reference chain as it was before the test (its node outlives the test)."""
    moved = Reference(reference_chain, artifacts)
    snapshot = moved.w3.provider.make_request("evm_snapshot", [])["result"]
    yield moved
    moved.w3.provider.make_request("evm_revert", [snapshot])


@pytest.fixture
def make_maker(chain, world, artifacts, tmp_path, reference):
    w3 = chain.provider.web3
    store = Store(f"sqlite:///{tmp_path / 'mm.db'}")
    accounts = funded(w3, world, artifacts, WALLETS)

    def make(sources=None, band_bps: int = 100, token_limits=None, **mm) -> MarketMaker:
        settings = MmSettings(
            pool=world.book.address(MARKET_POOL),
            router=world.book.address("uniswap_v3_router"),
            base_token=world.book.address("WETH"),
            tokens=token_limits or limits(world),
            seed=7,
            **mm,
        )
        pool = SenderPool(w3, TxJournal(store, w3.eth.chain_id), FeePolicy(), confirmations=1)
        senders = [pool.add(account) for account in accounts]
        tokens = {Web3.to_checksum_address(t): s.wallet_cycle_max for t, s in settings.tokens.items()}
        wallets = Wallets(w3, senders, WalletLimits(max_pieces=4, max_input=tokens))
        market = Market.read(w3, settings.pool, "uniswap_v3", settings.router, settings.base_token)
        wallets.approve([market.token0, market.token1], [market.router])
        prices = ReferencePrices(sources or [reference.source()], band_bps=band_bps)
        maker = MarketMaker(w3, market, prices, wallets, MmJournal(store, w3.eth.chain_id), settings)
        maker.open_books()
        return maker

    yield make
    store.close()


def balance(maker: MarketMaker, token: str, holder: str) -> int:
    return maker._balance(token, holder)


def assert_books_reconcile(maker: MarketMaker) -> None:
    for holder in maker.holders:
        checks = maker.journal.reconcile(holder, lambda token, h=holder: balance(maker, token, h))
        assert checks and all(c.reconciled for c in checks), checks


def test_a_five_percent_move_of_the_reference_is_corrected_within_one_cycle(make_maker, reference):
    maker = make_maker()
    first = maker.cycle()
    assert first.status == "in_band" and first.transactions == 0  # both worlds open at the same price

    reference.move(5)
    report = maker.cycle()
    assert report.status == "corrected", report.reason
    assert off_by_bps(report.before, report.reference) > 400
    assert off_by_bps(report.after, report.reference) <= maker.settings.threshold_bps
    assert off_by_bps(report.after, report.reference) < 1  # the exact correction lands on it, bar fees
    assert len({w.wallet for w in report.wallets if w.outcomes}) >= 5 and report.transactions >= 5
    assert all(o.status == "mined" for w in report.wallets for o in w.outcomes)
    assert_books_reconcile(maker)
    (cycle, *_) = maker.journal.cycles(maker.market.pool)
    assert (cycle.status, cycle.transactions) == ("corrected", report.transactions)
    assert Fraction(cycle.after) == report.after and Fraction(cycle.reference) == report.reference


def test_cycles_follow_a_wandering_reference_with_every_nonce_used_once(make_maker, reference, chain):
    maker = make_maker()
    moves = [5, -4, 3, -6, 4, -3, 6, -5]
    for n in range(CYCLES):
        reference.move(moves[n % len(moves)])
        report = maker.cycle()
        assert report.status == "corrected", (n, report.reason)
    w3 = chain.provider.web3
    for sender in maker.wallets.senders:
        txs = sender.journal.of_sender(sender.address)
        assert all(tx.status in ("confirmed", "mined") for tx in txs if tx.purpose.startswith("mm:swap")), [
            (tx.purpose, tx.status) for tx in txs if tx.status not in ("confirmed", "mined")
        ]
        nonces = [tx.nonce for tx in txs if tx.succeeded]
        assert len(nonces) == len(set(nonces)) and w3.eth.get_transaction_count(sender.address, "pending") == (
            w3.eth.get_transaction_count(sender.address)
        )  # nothing stuck
    assert_books_reconcile(maker)


def test_the_daily_loss_limit_stops_the_keeper(make_maker, reference):
    maker = make_maker(daily_loss_limit=0)
    reference.move(5)
    assert maker.cycle().status == "corrected"  # bought WETH below the reference: no loss yet
    reference.move(-8)  # the WETH bought is now worth less than was paid
    with pytest.raises(MarketMakerStopped, match="daily loss limit: the last 24 h lost"):
        maker.cycle()
    (cycle, *_) = maker.journal.cycles(maker.market.pool)
    assert cycle.status == "refused" and cycle.reason.startswith("stopped: daily loss limit")


def test_a_per_wallet_limit_stops_the_keeper(make_maker, reference, world):
    maker = make_maker(token_limits=limits(world, USDC={"wallet_cycle_max": 10 * E6}))
    reference.move(5)
    with pytest.raises(MarketMakerStopped, match="per-wallet limits: .* fit no wallet"):
        maker.cycle()
    journal = maker.wallets.senders[0].journal
    assert not [tx for a in maker.wallets.addresses for tx in journal.of_sender(a) if "swap" in tx.purpose]


def test_an_inventory_limit_stops_the_keeper(make_maker, reference, world):
    maker = make_maker(token_limits=limits(world, WETH={"inventory_limit": 10 * E18}))  # wallets hold 2,000
    reference.move(5)
    with pytest.raises(MarketMakerStopped, match="inventory limit: the correction would take holdings of"):
        maker.cycle()


def test_a_token_without_limits_is_never_sold(make_maker, reference, world):
    weth_only = {t: s for t, s in limits(world).items() if t == world.book.address("WETH")}
    maker = make_maker(token_limits=weth_only)
    reference.move(5)  # the correction sells USDC
    with pytest.raises(MarketMakerStopped, match="no entry in mm.tokens"):
        maker.cycle()


def test_stale_or_disagreeing_sources_stop_it_from_acting(make_maker, reference):
    reference.move(5)
    stale = make_maker(sources=[reference.source(max_age=0)])
    time.sleep(1.1)  # the reference chain mines only on demand: its head is now over a second old
    report = stale.cycle()
    assert report.status == "refused" and "no reference price" in report.reason and report.transactions == 0

    url, book = reference.url, reference.book
    v3 = PoolSource(
        "mainnet-v3",
        Web3(Web3.HTTPProvider(url)),
        book.pools[MARKET_POOL].address,
        "uniswap_v3",
        book.token("WETH").address,
        max_age=10**9,
        chain_id=1,
    )  # noqa: E501
    apart = make_maker(sources=[reference.source(), v3], band_bps=100)
    report = apart.cycle()
    assert report.status == "refused" and "disagree" in report.reason and report.transactions == 0


MNEMONIC = "test test test test test test test test test test test junk"


def test_keepers_run_mm_builds_from_settings_and_corrects(chain, world, artifacts, reference, tmp_path):
    """`keepers run mm`'s build and run: wallets derived from the mnemonic, approvals, opening books,
    a cycle printed and journaled (the ladder off: no mm child in this test's deployments)."""
    from rich.console import Console

    from keepers.config import LapidarySettings
    from keepers.mm.service import build, derive_wallets, run

    w3 = chain.provider.web3
    accounts = derive_wallets(MNEMONIC, 3)
    for account in accounts:  # the derived wallets get ETH and USDC (the correction sells USDC)
        w3.provider.make_request("anvil_setBalance", [account.address, hex(10**20)])
        usdc = w3.eth.contract(world.book.address("USDC"), abi=artifacts.abi("MintableERC20"))
        usdc.functions.mint(account.address, 10**12).transact({"from": w3.eth.accounts[0]})
    source = {"kind": "pool", "name": "mainnet", "rpc_url": reference.url, "chain_id": 1, "max_age_seconds": 10**9}
    source |= {
        "pool": reference.pair.address,
        "pool_kind": "uniswap_v2",
        "base_token": reference.book.token("WETH").address,
    }  # noqa: E501
    settings = LapidarySettings(
        chain={"rpc_url": w3.provider.endpoint_uri, "confirmations": 1},
        store={"url": f"sqlite:///{tmp_path / 'mm.db'}"},
        mm_wallets=MNEMONIC,
        mm={
            "pool": world.book.address(MARKET_POOL),
            "router": world.book.address("uniswap_v3_router"),
            "base_token": world.book.address("WETH"),
            "wallets": 3,
            "max_pieces": 8,
            "tokens": {t: s.model_dump() for t, s in limits(world).items()},
            "reference": {"sources": [source]},
            "ladder": {"enabled": False},
            "cycle_seconds": 0.1,
            "seed": 5,
        },
    )
    service = build(settings)
    reference.move(5)
    stop = threading.Event()

    class Lines(io.StringIO):
        def write(self, text: str) -> int:
            if text.startswith("cycle "):  # the first cycle's line
                stop.set()
            return super().write(text)

    out = Lines()
    run(service, Console(file=out, width=300), stop)
    assert "corrected" in out.getvalue(), out.getvalue()
    assert "market maker: uniswap_v3 pool" in out.getvalue()
