"""A reward token that calls back into the diamond while it pays a claim (an ERC-777-style hook)
cannot make it pay twice: the transient reentrancy guard refuses the nested call, and the claim was
booked before the transfer anyway."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from tests.support import reverts_with

from .conftest import BOB, CAROL, E18, create_campaign, now, post_claimable
from .merkle import Tree

FUNDS = 1_000 * E18
REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]  # the error, without arguments


@pytest.fixture
def hook_token(project, sponsor, child):
    token = project.RewardsHookToken.deploy(sender=sponsor)
    token.mint(sponsor, FUNDS, sender=sponsor)
    token.approve(child, FUNDS, sender=sponsor)
    return token


@pytest.fixture
def hooked(chain, child, bot, sponsor, hook_token, pool):
    """A campaign paid in the hook token whose root gives BOB 100 and CAROL 50, claimable."""
    campaign = create_campaign(child, sponsor, hook_token, pool, start=now(chain) + 1, amount=FUNDS)
    tree = Tree(campaign.id, {BOB: 100 * E18, CAROL: 50 * E18})
    post_claimable(chain, child, bot, campaign, 1, tree)
    return campaign, tree


def reentry_calls(child, campaign, tree):
    return {
        "claim": child.claim.encode_input(*tree.claim_args(BOB)),
        "claimMany": child.claimMany.encode_input([tree.claim_args(BOB), tree.claim_args(CAROL)]),
        "withdrawLeftover": child.withdrawLeftover.encode_input(campaign.id),
    }


@pytest.mark.parametrize("reentry", ["claim", "claimMany", "withdrawLeftover"])
def test_a_hook_reentering_during_the_payout_is_refused_and_the_claim_pays_once(
    child, hook_token, hooked, stranger, reentry
):
    campaign, tree = hooked
    hook_token.arm(child, reentry_calls(child, campaign, tree)[reentry], False, sender=stranger)

    child.claim(*tree.claim_args(BOB), sender=stranger)

    assert not hook_token.lastHookSucceeded()  # the hook did fire, and its call reverted ...
    assert bytes(hook_token.lastHookReturn()) == REENTRANT_CALL
    assert hook_token.balanceOf(BOB) == 100 * E18  # ... so BOB is paid exactly once
    assert hook_token.balanceOf(CAROL) == 0
    assert child.campaign(campaign.id).claimed == 100 * E18
    assert hook_token.balanceOf(child) == FUNDS - 100 * E18


def test_a_hook_whose_reentry_reverts_the_payout_reverts_the_whole_claim(child, hook_token, hooked, stranger):
    campaign, tree = hooked
    hook_token.arm(child, reentry_calls(child, campaign, tree)["claim"], True, sender=stranger)
    with reverts_with(child.ReentrancyGuardReentrantCall):
        child.claim(*tree.claim_args(BOB), sender=stranger)
    assert hook_token.balanceOf(BOB) == 0
    assert child.claimed(campaign.id, BOB) == 0


def test_without_a_reentry_the_hook_token_pays_normally(child, hook_token, hooked, stranger):
    campaign, tree = hooked
    child.claimMany([tree.claim_args(BOB), tree.claim_args(CAROL)], sender=stranger)
    assert (hook_token.balanceOf(BOB), hook_token.balanceOf(CAROL)) == (100 * E18, 50 * E18)
