"""The ladder through the mm child: laid around the reference as the child's positions, kept while
the reference stays in its band, unwound and laid again around a reference that moved 10%; the
child's books (opening balances plus the flows of every mint, decrease and burn) equal its balances
to the wei."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from keepers.chain.errors import WouldRevert
from keepers.mm.journal import MmJournal
from keepers.mm.ladder import LadderParams, ladder_centre
from keepers.mm.tender import LadderTender

from .conftest import SPACING


def test_the_ladder_is_laid_kept_and_laid_again_after_a_ten_percent_move(
    chain, world, child, bot, reader, pool, mm_store, sender_of, v3_market
):
    w3 = chain.provider.web3
    sender, market, weth = sender_of(bot), v3_market, world.book.address("WETH")
    journal = MmJournal(mm_store, chain.chain_id)
    tokens = (market.token0, market.token1)
    balance = lambda token: world.contract("WETH" if token == weth else "USDC").balanceOf(child)  # noqa: E731
    journal.open_balances(child.address, {t: balance(t) for t in tokens}, chain.blocks.height)
    params = LadderParams(rungs=(3, 5), recentre_ticks=500)
    tender = LadderTender(w3, market, reader, sender, journal, params, random.Random(3))
    price = market.price(market.state(w3))

    since = datetime.now(UTC) - timedelta(minutes=1)
    laid = tender.tend(price)
    assert laid.action == "laid" and len(laid.minted) >= 3
    assert journal.minted_since(child.address, since) == set(laid.minted)
    # Laying the ladder is no loss: what left the child is in its positions, to the pool's rounding.
    result = journal.pnl([child.address], market.base, market.quote, price) + tender.holdings_value(price)
    assert -2 * len(laid.minted) <= result <= 0
    positions = reader.positions(pool.address)
    assert sorted(p.token_id for p in positions) == sorted(laid.minted)
    centre = ladder_centre([(p.tick_lower, p.tick_upper) for p in positions])
    assert abs(centre - tender.reference_tick(price)) <= (params.max_offset + 1) * SPACING
    assert tender.tend(price * 101 / 100).action == "kept"  # 1%: about 100 ticks, inside the band

    moved = price * 11 / 10
    relaid = tender.tend(moved)
    assert relaid.action == "relaid" and sorted(relaid.unwound) == sorted(laid.minted)
    positions = reader.positions(pool.address)
    assert sorted(p.token_id for p in positions) == sorted(relaid.minted)
    centre = ladder_centre([(p.tick_lower, p.tick_upper) for p in positions])
    assert abs(centre - tender.reference_tick(moved)) <= (params.max_offset + 1) * SPACING
    checks = journal.reconcile(child.address, balance)
    assert {c.token for c in checks} == set(tokens) and all(c.reconciled for c in checks), checks


def test_a_lay_stopped_part_way_is_laid_whole_next_time(
    chain, child, master, bot, guardian, owner, reader, pool, mm_store, sender_of, v3_market
):
    w3, market = chain.provider.web3, v3_market
    journal = MmJournal(mm_store, chain.chain_id)
    tender = LadderTender(w3, market, reader, sender_of(bot), journal, LadderParams(rungs=(3, 3)), random.Random(3))
    price = market.price(market.state(w3))
    send = tender._send

    def cycle() -> int:
        return journal.open_cycle(pool.address, chain.blocks.height, price)

    def pause_after_the_first_mint(*args, **kwargs):
        receipt = send(*args, **kwargs)
        master.pauseAll(sender=guardian)  # the guardian pauses everything between two rungs
        return receipt

    tender._send = pause_after_the_first_mint
    with pytest.raises(WouldRevert, match="MasterPaused"):
        tender.tend(price, cycle_id=cycle())
    tender._send = send
    (first,) = reader.positions(pool.address)
    assert journal.lay_unfinished(child.address, pool.address)

    master.unpauseAll(sender=owner)  # unpausing is the owner's
    report = tender.tend(price, cycle_id=cycle())  # the reference has not moved: only the unfinished lay makes it act

    assert report.action == "relaid" and report.unwound == (first.token_id,) and len(report.minted) == 3
    assert sorted(p.token_id for p in reader.positions(pool.address)) == sorted(report.minted)
    assert not journal.lay_unfinished(child.address, pool.address)
    assert tender.tend(price, cycle_id=cycle()).action == "kept"
