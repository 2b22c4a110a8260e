"""Positions made and unmade by the bot: every amount predicted exactly (LiquidityAmounts and the
pool's rounding) and checked against the child's and the pool's balances and the manager's record."""

from __future__ import annotations

import ape
import pytest
from eth_utils import to_checksum_address

from keepers.markets.uniswap_v3.liquidity_amounts import position_amounts
from tests.support import event_args

from .conftest import DEADLINE, E6, E18, INVENTORY_LIMIT, around, collected, mint, mint_params, view_reverts


@pytest.fixture
def desired(tokens) -> tuple[int, int]:
    """10 WETH and 40,000 USDC, in the pool's token order."""
    amounts = {"WETH": 10 * E18, "USDC": 40_000 * E6}
    return amounts[tokens[0].symbol()], amounts[tokens[1].symbol()]


def pool_price(pool) -> tuple[int, int]:
    """The pool's sqrt price and tick, as `position_amounts` takes them."""
    slot0 = pool.slot0()
    return slot0.sqrtPriceX96, slot0.tick


def balances(tokens, *holders) -> list[tuple[int, int]]:
    return [(tokens[0].balanceOf(h), tokens[1].balanceOf(h)) for h in holders]


def ceil_share(deposited: int, removed: int, total: int) -> int:
    return -(-deposited * removed // total)


def test_mint_pays_exactly_what_the_pool_takes_and_books_the_position(child, bot, pool, tokens, manager, desired):
    ladder = around(pool, -5, 5, *desired)
    (child0, child1), (pool0, pool1) = balances(tokens, child, pool)

    receipt = child.mintPosition(mint_params(pool, ladder), sender=bot)

    (event,) = event_args(receipt, child.PositionMinted)
    token_id = event["tokenId"]
    assert event == {
        "tokenId": token_id,
        "pool": pool.address,
        "bot": bot.address,
        "tickLower": ladder.tick_lower,
        "tickUpper": ladder.tick_upper,
        "liquidity": ladder.liquidity,
        "amount0": ladder.amount0,
        "amount1": ladder.amount1,
    }
    assert ladder.amount0 > 0 and ladder.amount1 > 0
    assert balances(tokens, child, pool) == [
        (child0 - ladder.amount0, child1 - ladder.amount1),
        (pool0 + ladder.amount0, pool1 + ladder.amount1),
    ]
    assert manager.ownerOf(token_id) == child.address
    recorded = manager.positions(token_id)
    assert (recorded.tickLower, recorded.tickUpper, recorded.liquidity) == (
        ladder.tick_lower,
        ladder.tick_upper,
        ladder.liquidity,
    )
    assert tuple(child.position(token_id)) == (
        pool.address,
        ladder.tick_lower,
        ladder.tick_upper,
        ladder.liquidity,
        0,
        0,
        ladder.amount0,
        ladder.amount1,
        0,
        0,
    )
    assert child.positionIds(pool) == [token_id] and child.positionCount() == 1
    assert child.inventory(tokens[0]) == (ladder.amount0, INVENTORY_LIMIT[tokens[0].symbol()])
    assert child.inventory(tokens[1]) == (ladder.amount1, INVENTORY_LIMIT[tokens[1].symbol()])
    # No allowance outlives the call.
    assert tokens[0].allowance(child, manager) == 0 and tokens[1].allowance(child, manager) == 0


def test_a_position_above_the_price_takes_token0_only(child, bot, pool, tokens, desired):
    ladder = around(pool, 2, 6, *desired)
    assert ladder.amount1 == 0 < ladder.amount0
    (child0, child1), (pool0, pool1) = balances(tokens, child, pool)

    token_id = mint(child, bot, pool, ladder)

    assert balances(tokens, child, pool) == [(child0 - ladder.amount0, child1), (pool0 + ladder.amount0, pool1)]
    assert child.inventory(tokens[1]).deployed == 0
    assert child.position(token_id).deposited0 == ladder.amount0


def test_increase_adds_exactly_the_predicted_liquidity(child, bot, pool, tokens, manager, desired):
    first = around(pool, -5, 5, *desired)
    token_id = mint(child, bot, pool, first)
    more = around(pool, -5, 5, desired[0] // 3, desired[1] // 3)
    (child0, child1), (pool0, pool1) = balances(tokens, child, pool)

    receipt = child.increasePosition((token_id, more.amount0_desired, more.amount1_desired, 0, 0, DEADLINE), sender=bot)

    assert event_args(receipt, child.PositionIncreased) == [
        {
            "tokenId": token_id,
            "pool": pool.address,
            "bot": bot.address,
            "liquidity": more.liquidity,
            "amount0": more.amount0,
            "amount1": more.amount1,
        }
    ]
    assert balances(tokens, child, pool) == [
        (child0 - more.amount0, child1 - more.amount1),
        (pool0 + more.amount0, pool1 + more.amount1),
    ]
    assert manager.positions(token_id).liquidity == first.liquidity + more.liquidity
    position = child.position(token_id)
    assert (position.deposited0, position.deposited1) == (first.amount0 + more.amount0, first.amount1 + more.amount1)
    assert child.inventory(tokens[0]).deployed == first.amount0 + more.amount0
    assert child.positionIds(pool) == [token_id]


def test_decrease_owes_the_principal_and_releases_the_deposit_pro_rata(child, bot, pool, tokens, manager, desired):
    ladder = around(pool, -5, 5, *desired)
    token_id = mint(child, bot, pool, ladder)
    removed = ladder.liquidity // 3
    expected = position_amounts(*pool_price(pool), ladder.tick_lower, ladder.tick_upper, removed, round_up=False)
    before = balances(tokens, child, pool)

    receipt = child.decreasePosition((token_id, removed, *expected, DEADLINE), sender=bot)  # minimums met exactly

    assert event_args(receipt, child.PositionDecreased) == [
        {
            "tokenId": token_id,
            "pool": pool.address,
            "by": bot.address,
            "liquidity": removed,
            "amount0": expected[0],
            "amount1": expected[1],
        }
    ]
    assert balances(tokens, child, pool) == before  # owed to the position, not sent yet
    released = (
        ceil_share(ladder.amount0, removed, ladder.liquidity),
        ceil_share(ladder.amount1, removed, ladder.liquidity),
    )
    position = child.position(token_id)
    assert position.liquidity == manager.positions(token_id).liquidity == ladder.liquidity - removed
    assert (position.tokensOwed0, position.tokensOwed1) == expected  # no swaps: no fees
    assert (position.principalOwed0, position.principalOwed1) == expected
    assert (position.deposited0, position.deposited1) == (ladder.amount0 - released[0], ladder.amount1 - released[1])
    assert child.inventory(tokens[0]).deployed == ladder.amount0 - released[0]
    assert child.inventory(tokens[1]).deployed == ladder.amount1 - released[1]


def test_collect_brings_the_principal_home_and_reports_no_fees_without_swaps(child, bot, pool, tokens, desired):
    ladder = around(pool, -5, 5, *desired)
    token_id = mint(child, bot, pool, ladder)
    receipt = child.decreasePosition((token_id, ladder.liquidity // 2, 0, 0, DEADLINE), sender=bot)
    (decreased,) = event_args(receipt, child.PositionDecreased)
    (child0, child1), (pool0, pool1) = balances(tokens, child, pool)

    receipt = child.collectPosition(token_id, sender=bot)

    amount0, amount1 = decreased["amount0"], decreased["amount1"]
    assert event_args(receipt, child.PositionCollected) == [collected(token_id, pool, bot, (amount0, amount1))]
    assert balances(tokens, child, pool) == [(child0 + amount0, child1 + amount1), (pool0 - amount0, pool1 - amount1)]
    position = child.position(token_id)
    assert (position.tokensOwed0, position.tokensOwed1, position.principalOwed0, position.principalOwed1) == (
        0,
        0,
        0,
        0,
    )


def test_a_full_round_trip_returns_everything_but_the_pools_rounding(
    child, reader, bot, pool, tokens, manager, desired
):
    (start0, start1), (pool0, pool1) = balances(tokens, child, pool)
    ladder = around(pool, -5, 5, *desired)
    token_id = mint(child, bot, pool, ladder)
    more = around(pool, -5, 5, desired[0] // 2, desired[1] // 2)
    child.increasePosition((token_id, more.amount0_desired, more.amount1_desired, 0, 0, DEADLINE), sender=bot)
    liquidity = ladder.liquidity + more.liquidity
    out = position_amounts(*pool_price(pool), ladder.tick_lower, ladder.tick_upper, liquidity, round_up=False)

    child.decreasePosition((token_id, liquidity, 0, 0, DEADLINE), sender=bot)
    assert child.inventory(tokens[0]).deployed == 0 and child.inventory(tokens[1]).deployed == 0
    assert (child.position(token_id).deposited0, child.position(token_id).deposited1) == (0, 0)
    receipt = child.burnPosition(token_id, sender=bot)

    # Burning collected what was still owed first, then forgot the position.
    assert event_args(receipt, child.PositionCollected) == [collected(token_id, pool, bot, out)]
    assert event_args(receipt, child.PositionBurned) == [{"tokenId": token_id, "pool": pool.address, "by": bot.address}]
    paid = (ladder.amount0 + more.amount0, ladder.amount1 + more.amount1)
    assert balances(tokens, child, pool) == [
        (start0 - paid[0] + out[0], start1 - paid[1] + out[1]),
        (pool0 + paid[0] - out[0], pool1 + paid[1] - out[1]),
    ]
    assert 0 <= paid[0] - out[0] <= 2 and 0 <= paid[1] - out[1] <= 2  # the pool rounds in its favour
    assert child.positionIds(pool) == [] and child.positionCount() == 0
    with ape.reverts("Invalid token ID"):
        manager.positions(token_id)
    with view_reverts(f"UnknownPosition({token_id})"):
        reader.position(token_id)


def test_burning_one_position_keeps_the_others_listed(child, bot, pool, desired):
    ids = [mint(child, bot, pool, around(pool, -k, k, desired[0] // 10, desired[1] // 10)) for k in (2, 4, 6)]
    first = ids[0]
    child.decreasePosition((first, child.position(first).liquidity, 0, 0, DEADLINE), sender=bot)

    child.burnPosition(first, sender=bot)

    assert child.positionIds(pool) == [ids[2], ids[1]]  # the last took the burned one's place
    assert child.positionCount() == 2
    for token_id in ids[1:]:
        assert to_checksum_address(child.position(token_id).pool) == pool.address


def test_unwind_takes_a_position_out_whole_for_the_guardian(child, bot, guardian, pool, tokens, manager, desired):
    ladder = around(pool, -5, 5, *desired)
    token_id = mint(child, bot, pool, ladder)
    expected = position_amounts(*pool_price(pool), ladder.tick_lower, ladder.tick_upper, ladder.liquidity, False)
    child.pause(sender=guardian)
    (child0, child1) = balances(tokens, child)[0]

    receipt = child.unwindPosition(token_id, *expected, DEADLINE, sender=guardian)

    assert event_args(receipt, child.PositionDecreased)[0]["by"] == guardian.address
    assert event_args(receipt, child.PositionCollected)[0]["amount0"] == expected[0]
    assert balances(tokens, child)[0] == (child0 + expected[0], child1 + expected[1])
    assert child.positionCount() == 0
    assert child.inventory(tokens[0]).deployed == 0 and child.inventory(tokens[1]).deployed == 0
    with ape.reverts("Invalid token ID"):
        manager.positions(token_id)
