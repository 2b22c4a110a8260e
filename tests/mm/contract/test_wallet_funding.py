"""The correcting wallets trade the child's capital: a cycle funds its wallet from the `mm` child
within the wallet's cap, the pieces sell what was funded, and what they bought goes back to the
child; the journal books both sides as internal moves, PnL leaves them out, and every holder's books
equal its balances to the wei. A cap too small for the correction stops the keeper, naming it."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from keepers.config import MmSettings
from keepers.devexchange.markets import Listing
from keepers.devexchange.server import DevExchange
from keepers.mm.funding import WalletFunding
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import MarketMaker, MarketMakerStopped, off_by_bps
from keepers.mm.wallets import WalletLimits, Wallets
from keepers.prices.sources import build_reference
from keepers.world.settings import MM_SYMBOL, mm_settings

from .conftest import E6, E18, WALLET_CAP


@pytest.fixture(scope="module")
def exchange():
    server = DevExchange().start()
    server.markets.list_market(Listing("ETH", "USDC"))
    yield server
    server.stop()


@pytest.fixture
def make_maker(chain, world, bot, wallet, reader, v3_market, exchange, mm_store, sender_of):
    w3 = chain.provider.web3

    def make(reference_moved_by: Decimal) -> MarketMaker:
        settings = MmSettings.model_validate(mm_settings(world.book, exchange.url, 1) | {"threshold_bps": 50})
        market = v3_market
        price = market.readable(market.price(market.state(w3)))
        ticker = Decimal(price.numerator) / Decimal(price.denominator) * reference_moved_by
        exchange.markets.set_ticker(MM_SYMBOL, ticker.quantize(Decimal("0.01")))
        sender, bot_sender = sender_of(wallet), sender_of(bot)
        limits = WalletLimits(settings.max_pieces, {t: s.wallet_cycle_max for t, s in settings.tokens.items()})
        wallets = Wallets(w3, [sender], limits)
        wallets.approve([market.token0, market.token1], [market.router, reader.address])
        books = MmJournal(mm_store, chain.chain_id)
        funding = WalletFunding(w3, market, reader, bot_sender, wallets, books)
        reference = build_reference(settings.reference, market=w3)
        maker = MarketMaker(
            w3, market, reference, wallets, books, settings, holders=[reader.address], rng=random.Random(5),
            funding=funding,
        )  # fmt: skip
        maker.open_books()
        return maker

    return make


def assert_books_reconcile(maker: MarketMaker) -> None:
    for holder in maker.holders:
        checks = maker.journal.reconcile(holder, lambda token, h=holder: maker._balance(token, h))
        assert checks and all(c.reconciled for c in checks), checks


def test_the_wallet_sells_the_childs_capital_and_hands_back_what_it_bought(
    make_maker, child, owner, wallet, reader, weth, usdc
):
    for token, cap in ((weth, 500 * E18), (usdc, 2_000_000 * E6)):
        child.setFundingCap(wallet, token, cap, sender=owner)
    own = {t.address: t.balanceOf(wallet) for t in (weth, usdc)}
    child_before = {t.address: t.balanceOf(child) for t in (weth, usdc)}
    maker = make_maker(Decimal("1.01"))  # 1% above: USDC sold for WETH

    report = maker.cycle()

    assert report.status == "corrected", report.reason
    assert off_by_bps(report.after, report.reference) <= maker.settings.threshold_bps
    funded = [m for m in report.moved if m.kind == "fund"]
    returned = [m for m in report.moved if m.kind == "return"]
    assert [m.token for m in funded] == [usdc.address] and [m.token for m in returned] == [weth.address]
    sold = sum(o.swap.amount_in for w in report.wallets for o in w.outcomes if o.status == "mined")
    assert 0 < sold <= funded[0].amount
    # The wallet keeps what it was funded and did not sell; its own balances are untouched otherwise.
    assert usdc.balanceOf(wallet) == own[usdc.address] + funded[0].amount - sold
    assert weth.balanceOf(wallet) == own[weth.address]
    assert weth.balanceOf(child) == child_before[weth.address] + returned[0].amount
    assert usdc.balanceOf(child) == child_before[usdc.address] - funded[0].amount
    funding = reader.wallet_funding(wallet.address, usdc.address)
    assert funding.outstanding == funded[0].amount  # the WETH returned does not pay back USDC
    # Internal moves are no PnL: marked at the pool's own price after, the result is the pieces' alone.
    pnl = maker.journal.pnl(maker.holders, maker.market.base, maker.market.quote, report.after)
    assert pnl == returned[0].amount * report.after - sold
    assert_books_reconcile(maker)


def test_a_funding_cap_too_small_for_the_correction_stops_the_keeper(make_maker, wallet, reader, usdc):
    maker = make_maker(Decimal("1.05"))

    with pytest.raises(MarketMakerStopped, match="funding caps") as stop:
        maker.cycle()

    assert "per-wallet limits" in str(stop.value)
    funding = reader.wallet_funding(wallet.address, usdc.address)
    assert funding.outstanding == funding.cap == WALLET_CAP["USDC"]  # funded up to the cap, never past it
    assert maker.journal.cycles(maker.market.pool)[0].status == "refused"
    assert_books_reconcile(maker)
