"""RiskFacet and LibRisk as a strategy uses them: bots, allow-lists, trade cap, loss limits."""

from __future__ import annotations

from tests.support import (
    DAY,
    ZERO_ADDRESS,
    erc7201_slot,
    event_args,
    field,
    mapping_slot,
    reverts_with,
    set_storage_word,
    storage_word,
)

E18 = 10**18
DAILY_LOSS, DRAWDOWN = 0, 1  # LibRisk.PauseReason
RISK = erc7201_slot("lapidary.child.risk")  # per-token words at +0 (3 each), bots at +3


def start_next_day(chain) -> int:
    """Makes the next block the first second of a new UTC day, and returns that day."""
    day = chain.pending_timestamp // DAY + 1
    chain.pending_timestamp = day * DAY
    return day


def test_a_non_bot_cannot_trade(trading_child, stranger, owner, dai, pools):
    for caller in (stranger, owner):
        with reverts_with(trading_child.NotBot, caller=caller.address):
            trading_child.probeTrade(pools[0], dai, 1, 0, sender=caller)


def test_bots_are_set_and_revoked(child, owner, other_bot):
    assert not child.isBot(other_bot)
    receipt = child.setBot(other_bot, True, sender=owner)
    assert event_args(receipt, child.BotChanged) == [{"bot": other_bot.address, "allowed": True}]
    assert child.isBot(other_bot)
    child.setBot(other_bot, False, sender=owner)
    assert not child.isBot(other_bot)


def test_a_revoked_bot_cannot_trade(trading_child, owner, bot, dai, pools):
    trading_child.setBot(bot, False, sender=owner)
    with reverts_with(trading_child.NotBot, caller=bot.address):
        trading_child.probeTrade(pools[0], dai, 1, 0, sender=bot)


def test_the_owner_cannot_be_made_a_bot(child, owner):
    with reverts_with(child.BotIsOwner, bot=owner.address):
        child.setBot(owner, True, sender=owner)
    assert not child.isBot(owner)


def test_the_zero_address_cannot_be_a_bot(child, owner):
    with reverts_with(child.ZeroBot):
        child.setBot(ZERO_ADDRESS, True, sender=owner)


def test_only_allowed_pools(trading_child, owner, bot, dai, pools):
    allowed, other = pools
    assert trading_child.isPoolAllowed(allowed)
    assert not trading_child.isPoolAllowed(other)
    with reverts_with(trading_child.PoolNotAllowed, pool=other):
        trading_child.probeTrade(other, dai, 1, 0, sender=bot)

    receipt = trading_child.setPoolAllowed(allowed, False, sender=owner)
    assert event_args(receipt, trading_child.PoolAllowed) == [{"pool": allowed, "allowed": False}]
    with reverts_with(trading_child.PoolNotAllowed, pool=allowed):
        trading_child.probeTrade(allowed, dai, 1, 0, sender=bot)


def test_only_allowed_tokens(trading_child, owner, bot, dai, usdc, pools):
    assert trading_child.isTokenAllowed(dai)
    assert not trading_child.isTokenAllowed(usdc)
    with reverts_with(trading_child.TokenNotAllowed, token=usdc.address):
        trading_child.probeTrade(pools[0], usdc, 1, 0, sender=bot)

    receipt = trading_child.setTokenAllowed(dai, False, sender=owner)
    assert event_args(receipt, trading_child.TokenAllowed) == [{"token": dai.address, "allowed": False}]
    with reverts_with(trading_child.TokenNotAllowed, token=dai.address):
        trading_child.probeTrade(pools[0], dai, 1, 0, sender=bot)


def test_per_trade_cap(trading_child, owner, bot, dai, pools):
    cap = 1_000 * E18
    receipt = trading_child.setTradeCap(dai, cap, sender=owner)
    assert event_args(receipt, trading_child.TradeCapChanged) == [
        {"token": dai.address, "previousCap": 10**24, "newCap": cap}
    ]
    trading_child.probeTrade(pools[0], dai, cap, 0, sender=bot)
    with reverts_with(trading_child.TradeCapExceeded, token=dai.address, notional=cap + 1, cap=cap):
        trading_child.probeTrade(pools[0], dai, cap + 1, 0, sender=bot)


def test_limits_are_readable(trading_child, owner, dai, usdc):
    trading_child.setTradeCap(dai, 1, sender=owner)
    trading_child.setDailyLossLimit(dai, 2, sender=owner)
    trading_child.setDrawdownLimit(dai, 3, sender=owner)
    assert trading_child.riskLimits(dai) == (1, 2, 3)
    assert trading_child.riskLimits(usdc) == (0, 0, 0)


def test_unset_limits_tolerate_nothing(trading_child, owner, bot, usdc, pools):
    """A token allowed without limits: only zero notional, and the first loss pauses."""
    child = trading_child
    child.setTokenAllowed(usdc, True, sender=owner)
    with reverts_with(child.TradeCapExceeded, token=usdc.address, notional=1, cap=0):
        child.probeTrade(pools[0], usdc, 1, 0, sender=bot)

    child.probeTrade(pools[0], usdc, 0, 5, sender=bot)
    assert not child.paused()
    receipt = child.probeTrade(pools[0], usdc, 0, -1, sender=bot)
    assert event_args(receipt, child.AutoPaused) == [{"token": usdc.address, "reason": DAILY_LOSS}]
    assert child.paused()


def test_daily_loss_limit_pauses_after_the_breaching_trade(trading_child, chain, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    receipt = child.setDailyLossLimit(dai, 100 * E18, sender=owner)
    assert event_args(receipt, child.DailyLossLimitChanged) == [
        {"token": dai.address, "previousLimit": 10**24, "newLimit": 100 * E18}
    ]
    day = start_next_day(chain)

    child.probeTrade(pool, dai, E18, -60 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, 25 * E18, sender=bot)  # profit does not offset the day's losses
    child.probeTrade(pool, dai, E18, -40 * E18, sender=bot)  # exactly at the limit: still trading
    assert not child.paused()
    assert child.riskState(dai) == (day, 100 * E18, -75 * E18, 0)

    receipt = child.probeTrade(pool, dai, E18, -1, sender=bot)  # the breaching trade itself succeeds

    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DAILY_LOSS}]
    assert event_args(receipt, child.Paused) == [{"account": child.address}]
    assert event_args(receipt, child.ProbeTraded)[0]["autoPaused"]
    assert child.paused()
    assert child.riskState(dai) == (day, 100 * E18 + 1, -75 * E18 - 1, 0)
    with reverts_with(child.ChildPaused):
        child.probeTrade(pool, dai, E18, 0, sender=bot)

    child.unpause(sender=owner)  # the owner decides to go on
    child.probeTrade(pool, dai, E18, 0, sender=bot)


def test_a_new_day_resets_the_daily_loss(trading_child, chain, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.setDailyLossLimit(dai, 100 * E18, sender=owner)
    day = start_next_day(chain)
    child.probeTrade(pool, dai, E18, -80 * E18, sender=bot)
    assert child.riskState(dai) == (day, 80 * E18, -80 * E18, 0)

    assert start_next_day(chain) == day + 1
    child.probeTrade(pool, dai, E18, -80 * E18, sender=bot)

    assert not child.paused()
    assert child.riskState(dai) == (day + 1, 80 * E18, -160 * E18, 0)


def test_drawdown_from_the_high_water_mark_pauses(trading_child, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    receipt = child.setDrawdownLimit(dai, 50 * E18, sender=owner)
    assert event_args(receipt, child.DrawdownLimitChanged) == [
        {"token": dai.address, "previousLimit": 10**24, "newLimit": 50 * E18}
    ]
    child.probeTrade(pool, dai, E18, 100 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, -30 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, 10 * E18, sender=bot)  # 80, still 20 below the mark of 100
    child.probeTrade(pool, dai, E18, -30 * E18, sender=bot)  # 50: exactly the limit below the mark
    assert not child.paused()
    _, _, cumulative, high_water_mark = child.riskState(dai)
    assert (cumulative, high_water_mark) == (50 * E18, 100 * E18)

    receipt = child.probeTrade(pool, dai, E18, -1, sender=bot)

    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DRAWDOWN}]
    assert child.paused()
    _, day_loss, cumulative, high_water_mark = child.riskState(dai)
    assert (day_loss, cumulative, high_water_mark) == (60 * E18 + 1, 50 * E18 - 1, 100 * E18)
    with reverts_with(child.ChildPaused):
        child.probeTrade(pool, dai, E18, 0, sender=bot)


def test_the_high_water_mark_follows_new_highs(trading_child, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.setDrawdownLimit(dai, 50 * E18, sender=owner)
    child.probeTrade(pool, dai, E18, 100 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, -40 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, 90 * E18, sender=bot)  # new high: 150
    child.probeTrade(pool, dai, E18, -50 * E18, sender=bot)  # 100, exactly 50 below
    assert not child.paused()
    receipt = child.probeTrade(pool, dai, E18, -1, sender=bot)
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DRAWDOWN}]
    _, _, cumulative, high_water_mark = child.riskState(dai)
    assert (cumulative, high_water_mark) == (100 * E18 - 1, 150 * E18)


# -- packed bookkeeping ---------------------------------------------------------------------------


def risk_words(chain, child, token) -> tuple[int, int, int]:
    """The three words of `tokens[token]`: (allowed, trade cap, drawdown), the loss limits, the day's loss."""
    base = mapping_slot(token.address, RISK)
    return tuple(storage_word(chain, child.address, base + i) for i in range(3))


def decode_state(words: tuple[int, int, int]) -> tuple[int, int, int]:
    """(day, dayLoss, drawdown) from LibRisk.TokenRisk's words."""
    trade, _, losses = words
    return field(losses, 0, 64), field(losses, 64, 192), field(trade, 128, 128)


def test_profit_and_loss_bookkeeping_is_exact(trading_child, chain, bot, dai, pools):
    child, pool = trading_child, pools[0]
    day = start_next_day(chain)
    results = [70 * E18, -25 * E18 - 3, 5, -50 * E18, 40 * E18 + 11, -1]
    cumulative = high_water_mark = day_loss = 0
    for pnl in results:
        child.probeTrade(pool, dai, E18, pnl, sender=bot)
        cumulative += pnl
        high_water_mark = max(high_water_mark, cumulative)
        day_loss += -pnl if pnl < 0 else 0
        assert child.riskState(dai) == (day, day_loss, cumulative, high_water_mark)

    assert (cumulative, high_water_mark, day_loss) == (35 * E18 + 12, 70 * E18, 75 * E18 + 4)
    assert decode_state(risk_words(chain, child, dai)) == (day, day_loss, high_water_mark - cumulative)
    assert not child.paused()


def test_the_cumulative_result_is_the_sum_of_the_bots_statistics(trading_child, owner, bot, other_bot, dai, pools):
    """Not stored by the risk state: every trade is in the statistics, and the view sums them."""
    child, pool = trading_child, pools[0]
    child.setBot(other_bot, True, sender=owner)
    child.probeTrade(pool, dai, E18, 30 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, -10 * E18, sender=other_bot)
    assert child.riskState(dai)[2:] == (20 * E18, 30 * E18)


def test_a_profit_at_the_high_water_mark_leaves_the_risk_words_alone(trading_child, chain, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, E18, 3 * E18, sender=bot)
    before = risk_words(chain, child, dai)
    child.probeTrade(pool, dai, E18, 4 * E18, sender=bot)
    assert risk_words(chain, child, dai) == before
    assert child.riskState(dai)[2:] == (7 * E18, 7 * E18)


def test_a_profit_writes_no_days_loss(trading_child, chain, bot, dai, pools):
    child, pool = trading_child, pools[0]
    day = start_next_day(chain)
    child.probeTrade(pool, dai, E18, -8 * E18, sender=bot)
    losses = risk_words(chain, child, dai)[2]

    assert start_next_day(chain) == day + 1
    child.probeTrade(pool, dai, E18, 3 * E18, sender=bot)

    assert risk_words(chain, child, dai)[2] == losses  # still yesterday's loss, as recorded
    assert decode_state(risk_words(chain, child, dai)) == (day, 8 * E18, 5 * E18)
    assert child.riskState(dai) == (day + 1, 0, -5 * E18, 0)  # the view reports today


def test_a_drawdown_past_128_bits_reverts(trading_child, chain, bot, dai, pools):
    """The statistics' profit (104 bits) overflows long before the drawdown; the drawdown is set near
    its width in storage to show its own sum is checked too."""
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, E18, -1, sender=bot)
    base = mapping_slot(dai.address, RISK)
    trade_word = storage_word(chain, child.address, base)
    top = 2**128 - 1
    set_storage_word(chain, child.address, base, field(trade_word, 0, 128) | top << 128)
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=128, value=top + 1):
        child.probeTrade(pool, dai, E18, -1, sender=bot)


def test_allowed_cap_and_drawdown_share_a_word_and_the_loss_limits_another(trading_child, chain, owner, usdc):
    child = trading_child
    child.setTokenAllowed(usdc, True, sender=owner)
    child.setTradeCap(usdc, 2**120 - 1, sender=owner)
    child.setDailyLossLimit(usdc, 7, sender=owner)
    child.setDrawdownLimit(usdc, 2**128 - 1, sender=owner)

    trade_word, loss_word, _ = risk_words(chain, child, usdc)
    assert (field(trade_word, 0, 8), field(trade_word, 8, 120), field(trade_word, 128, 128)) == (1, 2**120 - 1, 0)
    assert (field(loss_word, 0, 128), field(loss_word, 128, 128)) == (7, 2**128 - 1)
    assert child.riskLimits(usdc) == (2**120 - 1, 7, 2**128 - 1)
    assert child.isTokenAllowed(usdc)


def test_limits_wider_than_their_storage_are_rejected(trading_child, owner, dai):
    child = trading_child
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=120, value=2**120):
        child.setTradeCap(dai, 2**120, sender=owner)
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=128, value=2**128):
        child.setDailyLossLimit(dai, 2**128, sender=owner)
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=128, value=2**256 - 1):
        child.setDrawdownLimit(dai, 2**256 - 1, sender=owner)
    assert child.riskLimits(dai) == (10**24, 10**24, 10**24)


# -- a limit lowered below what has been lost ----------------------------------------------------


def test_lowering_the_daily_loss_limit_below_todays_loss_pauses_at_once(trading_child, chain, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    start_next_day(chain)
    child.probeTrade(pool, dai, E18, -60 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, 90 * E18, sender=bot)  # profits do not offset the day's loss

    receipt = child.setDailyLossLimit(dai, 60 * E18, sender=owner)  # exactly the loss: still trading
    assert event_args(receipt, child.AutoPaused) == []
    assert not child.paused()

    receipt = child.setDailyLossLimit(dai, 60 * E18 - 1, sender=owner)

    assert event_args(receipt, child.DailyLossLimitChanged) == [
        {"token": dai.address, "previousLimit": 60 * E18, "newLimit": 60 * E18 - 1}
    ]
    assert event_args(receipt, child.Paused) == [{"account": child.address}]
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DAILY_LOSS}]
    assert child.paused()
    with reverts_with(child.ChildPaused):
        child.probeTrade(pool, dai, E18, 1, sender=bot)


def test_yesterdays_loss_does_not_count_against_a_lowered_limit(trading_child, chain, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    day = start_next_day(chain)
    child.probeTrade(pool, dai, E18, -60 * E18, sender=bot)
    assert start_next_day(chain) == day + 1

    receipt = child.setDailyLossLimit(dai, 0, sender=owner)

    assert event_args(receipt, child.AutoPaused) == []
    assert not child.paused()
    receipt = child.probeTrade(pool, dai, E18, -1, sender=bot)  # today's first loss breaches zero
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DAILY_LOSS}]


def test_lowering_the_drawdown_limit_below_the_drawdown_pauses_at_once(trading_child, owner, bot, dai, pools):
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, E18, 100 * E18, sender=bot)
    child.probeTrade(pool, dai, E18, -30 * E18, sender=bot)

    receipt = child.setDrawdownLimit(dai, 30 * E18, sender=owner)
    assert event_args(receipt, child.AutoPaused) == []
    assert not child.paused()

    receipt = child.setDrawdownLimit(dai, 30 * E18 - 1, sender=owner)

    assert event_args(receipt, child.Paused) == [{"account": child.address}]
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DRAWDOWN}]
    assert child.paused()


def test_setting_a_limit_on_a_paused_child_with_a_breach_is_quiet_about_the_pause(
    trading_child, owner, child_guardian, bot, dai, pools
):
    """Already paused: the limit still changes, the pause is not announced twice."""
    child, pool = trading_child, pools[0]
    child.probeTrade(pool, dai, E18, -5 * E18, sender=bot)
    child.pause(sender=child_guardian)
    receipt = child.setDrawdownLimit(dai, E18, sender=owner)
    assert event_args(receipt, child.Paused) == []
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DRAWDOWN}]
    assert child.riskLimits(dai)[2] == E18


def test_after_an_unpause_a_persisting_breach_pauses_again_at_the_next_loss(
    trading_child, chain, owner, bot, dai, pools
):
    child, pool = trading_child, pools[0]
    child.setDailyLossLimit(dai, 100 * E18, sender=owner)
    start_next_day(chain)
    child.probeTrade(pool, dai, E18, -101 * E18, sender=bot)
    assert child.paused()

    child.unpause(sender=owner)  # the owner decides to go on despite the breach
    receipt = child.probeTrade(pool, dai, E18, 5 * E18, sender=bot)  # a profit cannot deepen it
    assert event_args(receipt, child.AutoPaused) == []
    assert not child.paused()

    receipt = child.probeTrade(pool, dai, E18, -1, sender=bot)
    assert event_args(receipt, child.AutoPaused) == [{"token": dai.address, "reason": DAILY_LOSS}]
    assert child.paused()
