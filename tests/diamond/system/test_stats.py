"""StatsFacet: trades reported by children, aggregated per child and per bot."""

from __future__ import annotations

import pytest

from tests.support import (
    erc7201_slot,
    event_args,
    field,
    mapping_slot,
    reverts_with,
    set_storage_word,
    stats,
    storage_word,
)

E18 = 10**18
STATS = erc7201_slot("lapidary.master.stats")  # byChild at +0, byBot at +1
# LibStats.Totals, one word: trades (uint32) | volume (uint120) | realizedProfit (int104)
MAX_TRADES, MAX_VOLUME = 2**32 - 1, 2**120 - 1
MAX_PROFIT, MIN_PROFIT = 2**103 - 1, -(2**103)


def test_trades_aggregate_per_child_and_per_bot(master, trading_child, bot, other_bot, owner, dai, usdc, pools):
    child, pool = trading_child, pools[0]
    child.setBot(other_bot, True, sender=owner)

    receipt = child.probeTrade(pool, dai, 1_000 * E18, 30 * E18, sender=bot)
    child.probeTrade(pool, dai, 2_000 * E18, -12 * E18, sender=bot)
    child.probeTrade(pool, dai, 500 * E18, 7 * E18 + 3, sender=other_bot)

    assert stats(master.childStats(child, dai)) == (3, 3_500 * E18, 25 * E18 + 3)
    assert stats(master.botStats(bot, dai)) == (2, 3_000 * E18, 18 * E18)
    assert stats(master.botStats(other_bot, dai)) == (1, 500 * E18, 7 * E18 + 3)
    assert stats(master.childStats(child, usdc)) == (0, 0, 0)
    assert stats(master.botStats(bot, usdc)) == (0, 0, 0)
    assert event_args(receipt, master.TradeReported) == [
        {"child": child.address, "bot": bot.address, "token": dai.address, "volume": 1_000 * E18, "profit": 30 * E18}
    ]
    assert event_args(receipt, child.ProbeTraded) == [
        {
            "bot": bot.address,
            "pool": pool,
            "token": dai.address,
            "notional": 1_000 * E18,
            "pnl": 30 * E18,
            "autoPaused": False,
        }
    ]


def test_a_net_loss_is_negative(master, trading_child, bot, dai, pools):
    trading_child.probeTrade(pools[0], dai, 10 * E18, 2 * E18, sender=bot)
    trading_child.probeTrade(pools[0], dai, 10 * E18, -5 * E18 - 1, sender=bot)
    assert stats(master.childStats(trading_child, dai)) == (2, 20 * E18, -3 * E18 - 1)
    assert stats(master.botStats(bot, dai)) == (2, 20 * E18, -3 * E18 - 1)


def test_report_trade_from_a_non_child_reverts(master, stranger, dai):
    with reverts_with(master.NotChild, account=stranger.address):
        master.reportTrade(stranger, dai, 1, 1, sender=stranger)


def test_a_removed_child_can_no_longer_report(system, master, trading_child, owner, bot, dai, pools):
    master.removeChild(system.strategy_id, sender=owner)
    with reverts_with(master.NotChild, account=trading_child.address):
        trading_child.probeTrade(pools[0], dai, 1, 0, sender=bot)


# -- one packed word per total --------------------------------------------------------------------


def totals_slots(child, bot, token) -> tuple[int, int]:
    """The storage slots of `byChild[child][token]` and `byBot[bot][token]`."""
    return (
        mapping_slot(token.address, mapping_slot(child.address, STATS)),
        mapping_slot(token.address, mapping_slot(bot.address, STATS + 1)),
    )


def decode_totals(word: int) -> tuple[int, int, int]:
    return field(word, 0, 32), field(word, 32, 120), field(word, 152, 104, signed=True)


@pytest.fixture
def unbounded(trading_child, owner, dai):
    """The child's limits as wide as they are stored, so only the master's totals can overflow."""
    trading_child.setTradeCap(dai, 2**248 - 1, sender=owner)
    trading_child.setDailyLossLimit(dai, 2**128 - 1, sender=owner)
    trading_child.setDrawdownLimit(dai, 2**128 - 1, sender=owner)
    return trading_child


def test_each_total_is_one_storage_word(chain, master, trading_child, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, 1_000 * E18, 30 * E18, sender=bot)
    child.probeTrade(pool, dai, 2_000 * E18 + 1, -45 * E18 - 7, sender=bot)

    for slot in totals_slots(child, bot, dai):
        assert decode_totals(storage_word(chain, master.address, slot)) == (2, 3_000 * E18 + 1, -15 * E18 - 7)
        assert storage_word(chain, master.address, slot + 1) == 0  # nothing spills into a second word
    assert stats(master.childStats(child, dai)) == (2, 3_000 * E18 + 1, -15 * E18 - 7)


def test_totals_reach_their_widths_exactly_and_revert_one_past(master, unbounded, bot, dai, pools):
    child, pool = unbounded, pools[0]
    child.probeTrade(pool, dai, MAX_VOLUME, MAX_PROFIT, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, MAX_VOLUME, MAX_PROFIT)
    assert stats(master.botStats(bot, dai)) == (1, MAX_VOLUME, MAX_PROFIT)

    with reverts_with(master.SafeCastOverflowedUintDowncast, bits=120, value=MAX_VOLUME + 1):
        child.probeTrade(pool, dai, 1, 0, sender=bot)
    with reverts_with(master.SafeCastOverflowedIntDowncast, bits=104, value=MAX_PROFIT + 1):
        child.probeTrade(pool, dai, 0, 1, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, MAX_VOLUME, MAX_PROFIT)  # a reverted report books nothing


def test_a_loss_past_the_lowest_profit_reverts(master, unbounded, bot, dai, pools):
    child, pool = unbounded, pools[0]
    child.probeTrade(pool, dai, 0, MIN_PROFIT, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, 0, MIN_PROFIT)
    with reverts_with(master.SafeCastOverflowedIntDowncast, bits=104, value=MIN_PROFIT - 1):
        child.probeTrade(pool, dai, 0, -1, sender=bot)


def test_a_trade_count_past_32_bits_reverts(chain, master, trading_child, bot, dai, pools):
    """4.29e9 trades cannot be sent in a test: the count is set just below its width in storage."""
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, 5, 3, sender=bot)
    child_slot, bot_slot = totals_slots(child, bot, dai)
    word = storage_word(chain, master.address, child_slot)
    set_storage_word(chain, master.address, child_slot, word | MAX_TRADES)
    assert stats(master.childStats(child, dai)) == (MAX_TRADES, 5, 3)

    with reverts_with(master.SafeCastOverflowedUintDowncast, bits=32, value=MAX_TRADES + 1):
        child.probeTrade(pool, dai, 5, 3, sender=bot)
    assert stats(master.botStats(bot, dai)) == (1, 5, 3)
