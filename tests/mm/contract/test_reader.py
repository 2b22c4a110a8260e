"""keepers.mm.contract on the real child: its calldata is what the facet executes, its views and
event decoders read back what happened, typed."""

from __future__ import annotations

import pytest

from keepers.mm.contract import FundingChange, Inventory, LiquidityChange, MarketPool, WalletFunding

from .conftest import DEADLINE, E6, E18, INVENTORY_LIMIT, WALLET_CAP, around, swap


@pytest.fixture
def send(chain):
    """Sends calldata to the child from an account; the receipt (it must succeed)."""
    w3 = chain.provider.web3

    def send(account, to: str, data: bytes) -> dict:
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction({"from": account.address, "to": to, "data": data})
        )
        assert receipt["status"] == 1
        return receipt

    return send


def test_views_are_typed(reader, manager, pool, other_pool, tokens, weth, wallet, bot, stranger):
    assert reader.position_manager() == manager.address
    assert reader.market_pool(pool.address) == MarketPool(
        pool.address, tokens[0].address, tokens[1].address, 3000, True
    )
    assert reader.market_pools() == [pool.address, other_pool.address]
    assert reader.position_ids(pool.address) == [] and reader.position_count() == 0
    assert reader.inventory(weth.address) == Inventory(weth.address, 0, INVENTORY_LIMIT["WETH"])
    assert reader.inventory(weth.address).room == INVENTORY_LIMIT["WETH"]
    assert reader.wallet_funding(wallet.address, weth.address) == WalletFunding(
        wallet.address, weth.address, 0, WALLET_CAP["WETH"]
    )
    assert reader.is_funding_wallet(wallet.address) and not reader.is_funding_wallet(stranger.address)
    assert reader.is_bot(bot.address) and not reader.is_bot(stranger.address)
    assert reader.is_pool_allowed(pool.address) and not reader.is_pool_allowed(other_pool.address)
    assert not reader.paused()


def test_a_position_through_the_encoders(child, reader, send, bot, pool, tokens, world, swapper, weth, usdc):
    amounts = {"WETH": 5 * E18, "USDC": 20_000 * E6}
    ladder = around(pool, -3, 3, amounts[tokens[0].symbol()], amounts[tokens[1].symbol()])
    receipt = send(
        bot,
        reader.address,
        reader.mint_calldata(
            pool=pool.address,
            tick_lower=ladder.tick_lower,
            tick_upper=ladder.tick_upper,
            amount0_desired=ladder.amount0_desired,
            amount1_desired=ladder.amount1_desired,
            amount0_min=ladder.amount0,
            amount1_min=ladder.amount1,
            deadline=DEADLINE,
        ),
    )
    (minted,) = reader.minted(receipt)
    token_id = minted.token_id
    assert (minted.pool, minted.bot, minted.liquidity, minted.amount0, minted.amount1) == (
        pool.address,
        bot.address,
        ladder.liquidity,
        ladder.amount0,
        ladder.amount1,
    )
    assert reader.position_ids(pool.address) == [token_id]
    position = reader.position(token_id)
    assert (position.token_id, position.tick_lower, position.tick_upper, position.liquidity) == (
        token_id,
        ladder.tick_lower,
        ladder.tick_upper,
        ladder.liquidity,
    )
    assert reader.positions(pool.address) == [position]

    receipt = send(
        bot,
        reader.address,
        reader.increase_calldata(
            token_id=token_id,
            amount0_desired=10**6,
            amount1_desired=10**6,
            amount0_min=0,
            amount1_min=0,
            deadline=DEADLINE,
        ),
    )
    (increased,) = reader.liquidity_changes(receipt)
    assert increased.increased and increased.token_id == token_id and increased.by == bot.address
    liquidity = reader.position(token_id).liquidity
    assert liquidity == ladder.liquidity + increased.liquidity

    swap(world, swapper, weth, usdc, E18)
    receipt = send(
        bot,
        reader.address,
        reader.decrease_calldata(
            token_id=token_id, liquidity=liquidity, amount0_min=0, amount1_min=0, deadline=DEADLINE
        ),
    )
    (decreased,) = reader.liquidity_changes(receipt)
    assert decreased == LiquidityChange(
        token_id, pool.address, bot.address, False, liquidity, decreased.amount0, decreased.amount1
    )
    owed = reader.position(token_id)
    assert (owed.principal_owed0, owed.principal_owed1) == (decreased.amount0, decreased.amount1)

    receipt = send(bot, reader.address, reader.collect_calldata(token_id))
    (collected,) = reader.collections(receipt)
    assert (collected.token_id, collected.pool, collected.by) == (token_id, pool.address, bot.address)
    assert (collected.amount0, collected.amount1) == (owed.tokens_owed0, owed.tokens_owed1)
    assert collected.amount0 - collected.fees0 == decreased.amount0
    assert collected.amount1 - collected.fees1 == decreased.amount1
    assert collected.fees0 + collected.fees1 > 0  # the swap paid the position

    receipt = send(bot, reader.address, reader.burn_calldata(token_id))
    assert reader.burned(receipt) == [token_id]
    assert reader.position_count() == 0


def test_funding_through_the_encoders(reader, send, bot, wallet, weth):
    receipt = send(bot, reader.address, reader.fund_wallet_calldata(wallet.address, weth.address, 2 * E18))
    assert reader.funding_changes(receipt) == [FundingChange(wallet.address, weth.address, True, 2 * E18, 2 * E18)]
    assert reader.wallet_funding(wallet.address, weth.address).room == WALLET_CAP["WETH"] - 2 * E18

    weth.approve(reader.address, E18, sender=wallet)
    receipt = send(wallet, reader.address, reader.return_funds_calldata(weth.address, E18))
    assert reader.funding_changes(receipt) == [FundingChange(wallet.address, weth.address, False, E18, E18)]


def test_paused_reads_the_childs_pause(child, reader, guardian):
    child.pause(sender=guardian)
    assert reader.paused()
