"""The market maker's journal books what moved on chain: flows read from receipts' Transfer logs,
once per transaction and actor; opening balances plus flows equal the chain's balances to the wei;
PnL marks non-internal flows at a price."""

from __future__ import annotations

from fractions import Fraction

import pytest

from keepers.mm.journal import TRANSFER, MmJournal, transfer_flows
from keepers.store.db import Store

DEADLINE = 2**32 - 1
MARKET = "0x" + "00" * 20


def mined(chain, receipt):
    """The web3 receipt a keeper reads, of a transaction Ape sent."""
    return chain.provider.web3.eth.get_transaction_receipt(receipt.txn_hash)


@pytest.fixture
def journal(tmp_path, chain) -> MmJournal:
    return MmJournal(Store(f"sqlite:///{tmp_path / 'mm.db'}"), chain.chain_id)


def test_swaps_and_a_funding_are_booked_to_the_wei_and_reconcile(chain, world, accounts, journal):
    wallet, child = accounts[3], accounts[4]
    weth, usdc = world.token("WETH"), world.token("USDC")
    router = world.contract("uniswap_v2_router")
    weth.deposit(value=50 * 10**18, sender=wallet)
    usdc.mint(10**12, sender=child)
    weth.approve(router, 2**256 - 1, sender=wallet)
    usdc.approve(router, 2**256 - 1, sender=wallet)
    tokens = [weth.address, usdc.address]
    opening = {weth.address: weth.balanceOf(wallet), usdc.address: usdc.balanceOf(wallet)}
    journal.open_balances(wallet.address, opening, chain.blocks.height)

    funding = mined(chain, usdc.transfer(wallet, 5_000 * 10**6, sender=child))
    assert journal.record(MARKET, "fund", wallet.address, funding, gas_paid=False, tokens=tokens) == {
        usdc.address: 5_000 * 10**6
    }
    sold = mined(chain, router.swapExactTokensForTokens(2 * 10**18, 0, tokens, wallet, DEADLINE, sender=wallet))
    flows = journal.record(MARKET, "correction", wallet.address, sold, tokens=tokens)
    assert flows[weth.address] == -2 * 10**18 and flows[usdc.address] > 0
    bought = mined(
        chain, router.swapExactTokensForTokens(3_000 * 10**6, 0, tokens[::-1], wallet, DEADLINE, sender=wallet)
    )
    journal.record(MARKET, "correction", wallet.address, bought, tokens=tokens)
    journal.record(MARKET, "correction", wallet.address, bought, tokens=tokens)  # booked once

    balances = {weth.address: weth.balanceOf(wallet), usdc.address: usdc.balanceOf(wallet)}
    checks = journal.reconcile(wallet.address, balances.__getitem__)
    assert {c.token for c in checks} == set(tokens) and all(c.reconciled for c in checks)

    price = Fraction(3_000 * 10**6, 10**18)  # USDC per WETH, base units
    second = transfer_flows(bought["logs"], wallet.address)
    expected = (flows[weth.address] + second[weth.address]) * price + flows[usdc.address] + second[usdc.address]
    assert journal.pnl([wallet.address], weth.address, usdc.address, price) == expected  # funding excluded


def test_an_unbooked_transfer_shows_as_a_mismatch(chain, world, accounts, journal):
    wallet = accounts[3]
    dai = world.token("DAI")
    journal.open_balances(wallet.address, {dai.address: dai.balanceOf(wallet)}, chain.blocks.height)
    dai.mint(7, sender=wallet)  # a flow the journal never saw
    (check,) = journal.reconcile(wallet.address, lambda token: dai.balanceOf(wallet))
    assert not check.reconciled and check.chain - check.journal == 7


def transfer(token: str, source: str, target: str, amount: int) -> dict:
    """A Transfer log as a receipt carries it."""
    topic = lambda address: bytes(12) + bytes.fromhex(address[2:])  # noqa: E731
    return {
        "address": token,
        "topics": [bytes.fromhex(TRANSFER[2:]), topic(source), topic(target)],
        "data": amount.to_bytes(32, "big"),
    }


def test_the_ladders_principal_is_no_pnl_and_its_fees_are(journal):
    child, pool, usdc = "0x" + "cc" * 20, "0x" + "aa" * 20, "0x" + "bb" * 20
    weth = "0x" + "ee" * 20

    def receipt(n: int, *logs) -> dict:
        return {
            "transactionHash": bytes([n]) * 32,
            "blockNumber": n,
            "logs": list(logs),
            "gasUsed": 0,
            "effectiveGasPrice": 0,
        }  # noqa: E501

    journal.record(
        MARKET,
        "mint",
        child,
        receipt(1, transfer(usdc, child, pool, 1_000), transfer(weth, child, pool, 5)),
        gas_paid=False,
    )  # noqa: E501
    burned = receipt(2, transfer(usdc, pool, child, 1_030), transfer(weth, pool, child, 5))
    journal.record(MARKET, "burn", child, burned, gas_paid=False, detail={"fees": {usdc: "30"}})
    assert journal.pnl([child], weth, usdc, Fraction(100)) == 30  # the fees, not the principal's round trip
    assert journal.booked(child) == {usdc: 30, weth: 0}
