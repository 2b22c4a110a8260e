"""Correcting wallets funded from the child within their caps, and what they return: balances and the
outstanding figure move together, to the wei."""

from __future__ import annotations

from tests.support import event_args, reverts_with

from .conftest import E6, E18, WALLET_CAP


def test_funding_sends_from_the_child_and_counts_as_outstanding(child, bot, wallet, weth):
    child_before, wallet_before = weth.balanceOf(child), weth.balanceOf(wallet)

    receipt = child.fundWallet(wallet, weth, 2 * E18, sender=bot)

    assert event_args(receipt, child.WalletFunded) == [
        {"wallet": wallet.address, "token": weth.address, "bot": bot.address, "amount": 2 * E18, "outstanding": 2 * E18}
    ]
    assert (weth.balanceOf(child), weth.balanceOf(wallet)) == (child_before - 2 * E18, wallet_before + 2 * E18)
    assert child.walletFunding(wallet, weth) == (2 * E18, WALLET_CAP["WETH"])
    child.fundWallet(wallet, weth, 3 * E18, sender=bot)
    assert child.walletFunding(wallet, weth).outstanding == 5 * E18 == WALLET_CAP["WETH"]


def test_each_token_has_its_own_cap(child, bot, wallet, weth, usdc):
    child.fundWallet(wallet, weth, WALLET_CAP["WETH"], sender=bot)
    child.fundWallet(wallet, usdc, WALLET_CAP["USDC"], sender=bot)
    assert child.walletFunding(wallet, usdc) == (WALLET_CAP["USDC"], WALLET_CAP["USDC"])


def test_a_return_lowers_what_is_outstanding(child, bot, wallet, usdc):
    child.fundWallet(wallet, usdc, 10_000 * E6, sender=bot)
    usdc.approve(child, 4_000 * E6, sender=wallet)
    child_before, wallet_before = usdc.balanceOf(child), usdc.balanceOf(wallet)

    receipt = child.returnFunds(usdc, 4_000 * E6, sender=wallet)

    assert event_args(receipt, child.FundsReturned) == [
        {"wallet": wallet.address, "token": usdc.address, "amount": 4_000 * E6, "outstanding": 6_000 * E6}
    ]
    assert (usdc.balanceOf(child), usdc.balanceOf(wallet)) == (child_before + 4_000 * E6, wallet_before - 4_000 * E6)
    assert child.walletFunding(wallet, usdc).outstanding == 6_000 * E6
    assert usdc.allowance(wallet, child) == 0
    # What was returned may be funded again.
    child.fundWallet(wallet, usdc, WALLET_CAP["USDC"] - 6_000 * E6, sender=bot)


def test_returning_more_than_was_funded_keeps_the_gain_in_the_child(child, bot, wallet, weth):
    child.fundWallet(wallet, weth, E18, sender=bot)
    weth.deposit(value=E18 // 2, sender=wallet)  # the wallet's corrections earned it
    weth.approve(child, 3 * E18 // 2, sender=wallet)
    before = weth.balanceOf(child)

    receipt = child.returnFunds(weth, 3 * E18 // 2, sender=wallet)

    assert event_args(receipt, child.FundsReturned)[0]["outstanding"] == 0
    assert weth.balanceOf(child) == before + 3 * E18 // 2
    assert child.walletFunding(wallet, weth) == (0, WALLET_CAP["WETH"])


def test_a_removed_wallet_is_not_funded_but_may_still_return(child, owner, bot, wallet, weth):
    child.fundWallet(wallet, weth, 2 * E18, sender=bot)
    child.setFundingWallet(wallet, False, sender=owner)
    assert not child.isFundingWallet(wallet)
    with reverts_with(child.UnknownWallet, wallet=wallet.address):
        child.fundWallet(wallet, weth, 1, sender=bot)

    weth.approve(child, 3 * E18, sender=wallet)
    child.returnFunds(weth, 2 * E18, sender=wallet)

    assert child.walletFunding(wallet, weth).outstanding == 0
    with reverts_with(child.UnknownWallet, wallet=wallet.address):  # owes nothing more: unknown again
        child.returnFunds(weth, 1, sender=wallet)


def test_a_cap_lowered_below_what_is_outstanding_blocks_funding_until_returned(child, owner, bot, wallet, weth):
    child.fundWallet(wallet, weth, 4 * E18, sender=bot)
    child.setFundingCap(wallet, weth, E18, sender=owner)
    with reverts_with(
        child.FundingCapExceeded, wallet=wallet.address, token=weth.address, outstanding=4 * E18 + 1, cap=E18
    ):
        child.fundWallet(wallet, weth, 1, sender=bot)
    weth.approve(child, 3 * E18, sender=wallet)
    child.returnFunds(weth, 3 * E18, sender=wallet)
    assert child.walletFunding(wallet, weth) == (E18, E18)  # at the cap: still nothing more
    weth.approve(child, E18, sender=wallet)
    child.returnFunds(weth, E18, sender=wallet)
    child.fundWallet(wallet, weth, E18, sender=bot)


def test_a_paused_child_still_takes_funds_back(child, bot, guardian, master, wallet, weth):
    child.fundWallet(wallet, weth, E18, sender=bot)
    child.pause(sender=guardian)
    master.pauseAll(sender=guardian)
    weth.approve(child, E18, sender=wallet)

    child.returnFunds(weth, E18, sender=wallet)

    assert child.walletFunding(wallet, weth).outstanding == 0


def test_the_owner_sets_wallets_and_caps_with_events(child, owner, stranger, weth):
    receipt = child.setFundingWallet(stranger, True, sender=owner)
    assert event_args(receipt, child.FundingWalletChanged) == [{"wallet": stranger.address, "allowed": True}]
    assert child.isFundingWallet(stranger)
    receipt = child.setFundingCap(stranger, weth, 7 * E18, sender=owner)
    assert event_args(receipt, child.FundingCapChanged) == [
        {"wallet": stranger.address, "token": weth.address, "previousCap": 0, "newCap": 7 * E18}
    ]
    assert child.walletFunding(stranger, weth) == (0, 7 * E18)
