"""GuardianFacet.emergencyWithdraw: everything listed goes home to the master, and the child pauses."""

from __future__ import annotations

import pytest

from tests.support import event_args, reverts_with

E18 = 10**18
USDC = 10**6
UNLIMITED = 2**256 - 1


@pytest.fixture
def funded_child(master, child, owner, dai, usdc, fund):
    """The child holding 400 DAI and 1_000 USDC of allocated capital plus 25 DAI of profit."""
    fund(dai, master, 1_000 * E18)
    fund(usdc, master, 10_000 * USDC)
    for token, amount in ((dai, 400 * E18), (usdc, 1_000 * USDC)):
        master.setAllocationCap(child, token, UNLIMITED, sender=owner)
        master.allocate(child, token, amount, sender=owner)
    fund(dai, child, 25 * E18)
    return child


def test_emergency_withdraw_sends_everything_home_and_pauses(
    system, master, funded_child, owner, child_guardian, dai, usdc, world
):
    child = funded_child
    weth = world.token("WETH")  # listed but not held: skipped
    receipt = child.emergencyWithdraw([dai, usdc, weth], sender=child_guardian)

    assert dai.balanceOf(child) == 0
    assert usdc.balanceOf(child) == 0
    assert dai.balanceOf(master) == 1_025 * E18
    assert usdc.balanceOf(master) == 10_000 * USDC
    assert master.allocated(child, dai) == 0
    assert master.allocated(child, usdc) == 0
    assert master.totalAllocated(dai) == 0
    assert master.totalAllocated(usdc) == 0
    assert child.paused()
    assert event_args(receipt, child.Paused) == [{"account": child_guardian.address}]
    assert event_args(receipt, child.EmergencyWithdrawal) == [
        {"token": dai.address, "amount": 425 * E18},
        {"token": usdc.address, "amount": 1_000 * USDC},
    ]
    assert event_args(receipt, master.CapitalReturned) == [
        {"child": child.address, "token": dai.address, "amount": 425 * E18, "principal": 400 * E18},
        {"child": child.address, "token": usdc.address, "amount": 1_000 * USDC, "principal": 1_000 * USDC},
    ]
    master.removeChild(system.strategy_id, sender=owner)  # nothing outstanding any more


def test_emergency_withdraw_works_while_everything_is_paused(master, funded_child, owner, guardian, dai):
    child = funded_child
    master.pauseAll(sender=guardian)
    child.emergencyWithdraw([dai], sender=owner)
    assert dai.balanceOf(child) == 0
    assert dai.balanceOf(master) == 1_025 * E18
    assert master.allocated(child, dai) == 0


def test_recall_works_while_the_child_is_paused(master, funded_child, owner, child_guardian, usdc):
    child = funded_child
    child.pause(sender=child_guardian)
    master.recall(child, usdc, 1_000 * USDC, sender=owner)
    assert usdc.balanceOf(master) == 10_000 * USDC
    assert master.allocated(child, usdc) == 0


def test_a_stranger_cannot_withdraw(child, stranger, dai):
    with reverts_with(child.NotGuardianOrOwner, caller=stranger.address):
        child.emergencyWithdraw([dai], sender=stranger)
