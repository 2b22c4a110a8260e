"""StatsFacet: trades reported by children, aggregated per child and per bot."""

from __future__ import annotations

from .support import event_args, reverts_with, stats

E18 = 10**18


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
