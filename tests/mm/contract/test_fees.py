"""Fees earned by the child's positions: after real swaps through the world's router, what the facet
collects and reports as fees is what the position manager says the position is owed, to the wei."""

from __future__ import annotations

import pytest

from tests.support import event_args

from .conftest import DEADLINE, E6, E18, MAX_UINT128, around, collected, mint, swap


@pytest.fixture
def position(child, bot, pool, tokens) -> int:
    """An in-range position of 10 WETH and its USDC."""
    amounts = {"WETH": 10 * E18, "USDC": 40_000 * E6}
    return mint(child, bot, pool, around(pool, -3, 3, amounts[tokens[0].symbol()], amounts[tokens[1].symbol()]))


@pytest.fixture
def swapped(world, swapper, weth, usdc, position) -> None:
    """Swaps both ways, so the position earns fees in both tokens."""
    swap(world, swapper, weth, usdc, 3 * E18)
    swap(world, swapper, usdc, weth, 9_000 * E6)
    swap(world, swapper, weth, usdc, 1 * E18)


def owed(npm, child, token_id: int) -> tuple[int, int]:
    """What the manager would pay the child for the position now (its own collect, simulated)."""
    return npm.call("collect", (token_id, child.address, MAX_UINT128, MAX_UINT128), sender=child.address)


def test_collected_fees_are_what_the_manager_owes_to_the_wei(child, bot, pool, tokens, npm, position, swapped):
    fees = owed(npm, child, position)
    assert fees[0] > 0 and fees[1] > 0
    before = (tokens[0].balanceOf(child), tokens[1].balanceOf(child))

    receipt = child.collectPosition(position, sender=bot)

    assert event_args(receipt, child.PositionCollected) == [collected(position, pool, bot, fees, fees)]
    assert (tokens[0].balanceOf(child), tokens[1].balanceOf(child)) == (before[0] + fees[0], before[1] + fees[1])
    assert owed(npm, child, position) == (0, 0)


def test_a_collect_after_a_decrease_splits_principal_and_fees(child, bot, npm, position, swapped):
    fees = owed(npm, child, position)
    liquidity = child.position(position).liquidity
    receipt = child.decreasePosition((position, liquidity // 2, 0, 0, DEADLINE), sender=bot)
    (decreased,) = event_args(receipt, child.PositionDecreased)

    receipt = child.collectPosition(position, sender=bot)

    (collected,) = event_args(receipt, child.PositionCollected)
    assert (collected["fees0"], collected["fees1"]) == fees
    assert (collected["amount0"], collected["amount1"]) == (
        decreased["amount0"] + fees[0],
        decreased["amount1"] + fees[1],
    )


def test_fees_earned_after_the_last_collect_are_reported_at_the_burn(
    child, bot, npm, world, swapper, weth, usdc, position
):
    swap(world, swapper, weth, usdc, 2 * E18)
    child.collectPosition(position, sender=bot)
    swap(world, swapper, usdc, weth, 5_000 * E6)
    fees = owed(npm, child, position)
    liquidity = child.position(position).liquidity
    (decreased,) = event_args(
        child.decreasePosition((position, liquidity, 0, 0, DEADLINE), sender=bot), child.PositionDecreased
    )

    receipt = child.burnPosition(position, sender=bot)

    (collected,) = event_args(receipt, child.PositionCollected)
    assert (collected["fees0"], collected["fees1"]) == fees
    assert collected["amount0"] == decreased["amount0"] + fees[0]
    assert collected["amount1"] == decreased["amount1"] + fees[1]
