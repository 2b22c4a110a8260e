"""Every owner-only function rejects everyone else."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from tests.support import reverts_with

ARB = keccak(text="flash-arb")

# (function, arguments given the fixtures)
MASTER_OWNER_ONLY = [
    ("addChild", lambda f: (ARB, f["dai"])),
    ("removeChild", lambda f: (f["system"].strategy_id,)),
    ("setReserveRatio", lambda f: (1_000,)),
    ("setAllocationCap", lambda f: (f["child"], f["dai"], 1)),
    ("allocate", lambda f: (f["child"], f["dai"], 1)),
    ("recall", lambda f: (f["child"], f["dai"], 1)),
    ("unpauseAll", lambda f: ()),
    ("setGuardian", lambda f: (f["stranger"],)),
]
CHILD_OWNER_ONLY = [
    ("setTokenAllowed", lambda f: (f["dai"], True)),
    ("setPoolAllowed", lambda f: (f["dai"], True)),
    ("setBot", lambda f: (f["bot"], True)),
    ("setTradeCap", lambda f: (f["dai"], 1)),
    ("setDailyLossLimit", lambda f: (f["dai"], 1)),
    ("setDrawdownLimit", lambda f: (f["dai"], 1)),
    ("unpause", lambda f: ()),
    ("setGuardian", lambda f: (f["stranger"],)),
]


@pytest.fixture
def fixtures(system, master, child, dai, bot, stranger):
    return {"system": system, "master": master, "child": child, "dai": dai, "bot": bot, "stranger": stranger}


@pytest.mark.parametrize(("function", "arguments"), MASTER_OWNER_ONLY, ids=[name for name, _ in MASTER_OWNER_ONLY])
def test_master_owner_only(fixtures, master, stranger, function, arguments):
    with reverts_with(master.NotOwner, caller=stranger.address):
        getattr(master, function)(*arguments(fixtures), sender=stranger)


@pytest.mark.parametrize(("function", "arguments"), CHILD_OWNER_ONLY, ids=[name for name, _ in CHILD_OWNER_ONLY])
def test_child_owner_only(fixtures, child, stranger, function, arguments):
    with reverts_with(child.NotOwner, caller=stranger.address):
        getattr(child, function)(*arguments(fixtures), sender=stranger)


def test_guardians_and_bots_hold_no_owner_power(master, child, guardian, child_guardian, bot, stranger, dai):
    """The keys closest to the owner's, on the functions they would most want."""
    with reverts_with(master.NotOwner, caller=guardian.address):
        master.setGuardian(stranger, sender=guardian)
    with reverts_with(child.NotOwner, caller=child_guardian.address):
        child.setGuardian(stranger, sender=child_guardian)
    with reverts_with(child.NotOwner, caller=bot.address):
        child.setTradeCap(dai, 2**256 - 1, sender=bot)
