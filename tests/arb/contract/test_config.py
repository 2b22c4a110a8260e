"""FlashArbFacet's configuration: lenders, WETH and sweep, and the pool registry whose tokens are read
from the pools themselves."""

from __future__ import annotations

import pytest

from tests.support import ZERO_ADDRESS, event_args, reverts_with

from .conftest import V2_FEE_BPS, V2_POOLS, V3_POOL, PoolKind


def test_the_configuration_reads_back(child, world):
    book = world.book
    assert tuple(child.arbConfig()) == (
        book.address("balancer_vault"),
        book.address("aave_pool"),
        book.address("WETH"),
        False,
    )


@pytest.mark.parametrize("name", [*V2_POOLS, V3_POOL])
def test_each_registered_pool_reads_back_with_its_own_tokens(child, world, name):
    entry = world.book.pools[name]
    kind, fee = (PoolKind.V3, 0) if entry.kind == "uniswap_v3" else (PoolKind.V2, V2_FEE_BPS)
    token0, token1 = (world.book.address(symbol) for symbol in entry.tokens)
    assert tuple(child.arbPool(entry.address)) == (kind, token0, token1, fee, True)


def test_an_unknown_pool_reads_as_zero(child, stranger):
    assert tuple(child.arbPool(stranger)) == (0, ZERO_ADDRESS, ZERO_ADDRESS, 0, False)


def test_set_arb_config_emits_and_replaces_everything(child, owner, stranger, bot, weth):
    receipt = child.setArbConfig(stranger, bot, weth, True, sender=owner)
    assert tuple(child.arbConfig()) == (stranger.address, bot.address, weth.address, True)
    assert event_args(receipt, child.ArbConfigChanged) == [
        {"balancerVault": stranger.address, "aavePool": bot.address, "weth": weth.address, "sweepProfit": True}
    ]


def test_set_arb_pool_reads_the_tokens_from_the_pool_and_emits(child, world, owner):
    entry = world.book.pools["v2b:WETH/USDC"]
    token0, token1 = (world.book.address(symbol) for symbol in entry.tokens)
    receipt = child.setArbPool(entry.address, PoolKind.V2, 25, False, sender=owner)
    assert tuple(child.arbPool(entry.address)) == (PoolKind.V2, token0, token1, 25, False)
    assert event_args(receipt, child.ArbPoolSet) == [
        {
            "pool": entry.address,
            "kind": PoolKind.V2,
            "token0": token0,
            "token1": token1,
            "feeBps": 25,
            "enabled": False,
        }
    ]


def test_an_address_without_code_is_not_a_pool(child, owner, stranger):
    with reverts_with(child.InvalidPool, pool=stranger.address):
        child.setArbPool(stranger, PoolKind.V2, 30, True, sender=owner)


def test_a_pool_of_one_token_twice_is_refused(child, project, owner, stranger, weth):
    fake = project.ArbAttackerPool.deploy(weth, weth, child, sender=stranger)
    with reverts_with(child.InvalidPool, pool=fake.address):
        child.setArbPool(fake, PoolKind.V2, 30, True, sender=owner)


@pytest.mark.parametrize(("kind", "fee"), [(PoolKind.V2, 10_000), (PoolKind.V3, 30)])
def test_fees_are_checked_per_kind(child, world, owner, kind, fee):
    with reverts_with(child.InvalidFee, kind=kind, feeBps=fee):
        child.setArbPool(world.book.address(V3_POOL), kind, fee, True, sender=owner)
