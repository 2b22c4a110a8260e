"""Trade statistics: recorded per (bot, token) by the child with each trade (LibTradeStats,
TradeStatsFacet), aggregated per child and per bot by the master on read (StatsFacet)."""

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
STATS = erc7201_slot("lapidary.child.stats")  # byBot at +0, bots at +1, listed at +2
# LibTradeStats.Totals, one word: trades (uint32) | volume (uint120) | realizedProfit (int104)
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
    assert stats(child.tradeStats(dai)) == (3, 3_500 * E18, 25 * E18 + 3)
    assert stats(child.botTradeStats(bot, dai)) == (2, 3_000 * E18, 18 * E18)
    assert child.statsBots() == [bot.address, other_bot.address]  # listed when allowed, summed on read
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


def test_a_revoked_bot_stays_in_the_totals(master, trading_child, bot, owner, dai, pools):
    trading_child.probeTrade(pools[0], dai, 2 * E18, 9, sender=bot)
    trading_child.setBot(bot, False, sender=owner)
    trading_child.setBot(bot, True, sender=owner)  # allowed again: listed once
    trading_child.setBot(bot, False, sender=owner)
    assert trading_child.statsBots() == [bot.address]
    assert stats(master.childStats(trading_child, dai)) == (1, 2 * E18, 9)
    assert stats(master.botStats(bot, dai)) == (1, 2 * E18, 9)


def test_a_net_loss_is_negative(master, trading_child, bot, dai, pools):
    trading_child.probeTrade(pools[0], dai, 10 * E18, 2 * E18, sender=bot)
    trading_child.probeTrade(pools[0], dai, 10 * E18, -5 * E18 - 1, sender=bot)
    assert stats(master.childStats(trading_child, dai)) == (2, 20 * E18, -3 * E18 - 1)
    assert stats(master.botStats(bot, dai)) == (2, 20 * E18, -3 * E18 - 1)


def test_a_trade_does_not_call_the_master(chain, master, trading_child, bot, dai, pools):
    receipt = trading_child.probeTrade(pools[0], dai, 10 * E18, 1, sender=bot)
    trace = chain.provider.make_request("debug_traceTransaction", [str(receipt.txn_hash), {"tracer": "callTracer"}])

    def callees(call):
        for inner in call.get("calls", []):
            yield inner["to"].lower()
            yield from callees(inner)

    assert master.address.lower() not in set(callees(trace))


def test_an_address_never_registered_has_no_statistics(master, child, stranger, dai):
    assert stats(master.childStats(stranger, dai)) == (0, 0, 0)
    assert master.statsChildren() == [child.address]


def test_a_removed_child_can_no_longer_trade_and_its_figures_stay(
    system, master, trading_child, owner, bot, dai, pools
):
    trading_child.probeTrade(pools[0], dai, 4 * E18, 5, sender=bot)
    master.removeChild(system.strategy_id, sender=owner)
    with reverts_with(trading_child.MasterPaused, master=master.address):
        trading_child.probeTrade(pools[0], dai, 1, 0, sender=bot)
    assert stats(master.childStats(trading_child, dai)) == (1, 4 * E18, 5)
    assert stats(master.botStats(bot, dai)) == (1, 4 * E18, 5)

    master.addChild(system.strategy_id, trading_child, sender=owner)  # registered again: trades again
    trading_child.probeTrade(pools[0], dai, 6 * E18, -2, sender=bot)
    assert master.statsChildren() == [trading_child.address]  # summed once, not once per registration
    assert stats(master.childStats(trading_child, dai)) == (2, 10 * E18, 3)
    assert stats(master.botStats(bot, dai)) == (2, 10 * E18, 3)


def test_a_bot_is_summed_over_every_child(project, system, master, trading_child, owner, bot, dai, pools, tmp_path):
    """A second child of the same master, trading with the same bot: the master adds both."""
    from keepers.diamond.deploy import DeployConfig, DiamondDeployer

    deployer = DiamondDeployer.open(project, owner, tmp_path / "deployments.json", "ethereum:local")
    spec = DeployConfig(strategies={"probe2": ["TradeProbeFacet"]}).child_spec("probe2", master.address)
    record = deployer.diamond(spec)
    second = deployer.handle(record.address, "Diamond", *record.facets)
    master.addChild(b"probe2".ljust(32, b"\0"), second, sender=owner)
    second.setBot(bot, True, sender=owner)
    second.setPoolAllowed(pools[0], True, sender=owner)
    second.setTokenAllowed(dai, True, sender=owner)
    second.setTradeCap(dai, 10**24, sender=owner)

    trading_child.probeTrade(pools[0], dai, 3 * E18, 7, sender=bot)
    second.probeTrade(pools[0], dai, 5 * E18, 11, sender=bot)
    assert stats(master.childStats(trading_child, dai)) == (1, 3 * E18, 7)
    assert stats(master.childStats(second, dai)) == (1, 5 * E18, 11)
    assert stats(master.botStats(bot, dai)) == (2, 8 * E18, 18)


# -- one packed word per total --------------------------------------------------------------------


def totals_slot(bot, token) -> int:
    """The child's storage slot of `byBot[bot][token]`."""
    return mapping_slot(token.address, mapping_slot(bot.address, STATS))


def decode_totals(word: int) -> tuple[int, int, int]:
    return field(word, 0, 32), field(word, 32, 120), field(word, 152, 104, signed=True)


@pytest.fixture
def unbounded(trading_child, owner, dai):
    """The child's limits as wide as they are stored, so only the master's totals can overflow."""
    trading_child.setTradeCap(dai, 2**120 - 1, sender=owner)
    trading_child.setDailyLossLimit(dai, 2**128 - 1, sender=owner)
    trading_child.setDrawdownLimit(dai, 2**128 - 1, sender=owner)
    return trading_child


def test_each_total_is_one_storage_word(chain, master, trading_child, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, 1_000 * E18, 30 * E18, sender=bot)
    child.probeTrade(pool, dai, 2_000 * E18 + 1, -45 * E18 - 7, sender=bot)

    slot = totals_slot(bot, dai)
    assert decode_totals(storage_word(chain, child.address, slot)) == (2, 3_000 * E18 + 1, -15 * E18 - 7)
    assert storage_word(chain, child.address, slot + 1) == 0  # nothing spills into a second word
    assert stats(master.childStats(child, dai)) == (2, 3_000 * E18 + 1, -15 * E18 - 7)


def test_totals_reach_their_widths_exactly_and_revert_one_past(master, unbounded, bot, dai, pools):
    child, pool = unbounded, pools[0]
    child.probeTrade(pool, dai, MAX_VOLUME, MAX_PROFIT, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, MAX_VOLUME, MAX_PROFIT)
    assert stats(master.botStats(bot, dai)) == (1, MAX_VOLUME, MAX_PROFIT)

    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=120, value=MAX_VOLUME + 1):
        child.probeTrade(pool, dai, 1, 0, sender=bot)
    with reverts_with(child.SafeCastOverflowedIntDowncast, bits=104, value=MAX_PROFIT + 1):
        child.probeTrade(pool, dai, 0, 1, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, MAX_VOLUME, MAX_PROFIT)  # a reverted report books nothing


def test_a_loss_past_the_lowest_profit_reverts(master, unbounded, bot, dai, pools):
    child, pool = unbounded, pools[0]
    child.probeTrade(pool, dai, 0, MIN_PROFIT, sender=bot)
    assert stats(master.childStats(child, dai)) == (1, 0, MIN_PROFIT)
    with reverts_with(child.SafeCastOverflowedIntDowncast, bits=104, value=MIN_PROFIT - 1):
        child.probeTrade(pool, dai, 0, -1, sender=bot)


def test_a_trade_count_past_32_bits_reverts(chain, master, trading_child, bot, dai, pools):
    """4.29e9 trades cannot be sent in a test: the count is set just below its width in storage."""
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, 5, 3, sender=bot)
    slot = totals_slot(bot, dai)
    word = storage_word(chain, child.address, slot)
    set_storage_word(chain, child.address, slot, word | MAX_TRADES)
    assert stats(master.childStats(child, dai)) == (MAX_TRADES, 5, 3)

    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=32, value=MAX_TRADES + 1):
        child.probeTrade(pool, dai, 5, 3, sender=bot)
    assert stats(master.botStats(bot, dai)) == (MAX_TRADES, 5, 3)
