"""MasterPauseFacet (global pause) and GuardianFacet (a child's own pause)."""

from __future__ import annotations

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

from keepers.diamond.deploy import diamond_handle
from keepers.diamond.layout import CHILD_FACETS
from tests.support import ZERO_ADDRESS, event_args, reverts_with

E18 = 10**18
SPARE, REJECTING, BURNING = (keccak(text=name) for name in ("spare", "rejecting", "burning"))
PUSH_RESERVE = 100_000 + 100_000 // 63 + 5_000  # LibGlobalPause: stipend, EIP-150's 1/64, the call


def trade(child, bot, dai, pools):
    return child.probeTrade(pools[0], dai, E18, 0, sender=bot)


def test_guardians_are_set_at_init(master, child, guardian, child_guardian):
    assert master.guardian() == guardian.address
    assert child.guardian() == child_guardian.address
    assert not master.paused()
    assert not child.paused()


def test_master_pause_stops_the_child_and_unpause_restores_it(master, trading_child, owner, guardian, bot, dai, pools):
    child = trading_child
    receipt = master.pauseAll(sender=guardian)
    assert event_args(receipt, master.Paused) == [{"account": guardian.address}]
    assert event_args(receipt, child.MasterPauseMirrored) == [{"master": master.address, "paused": True}]
    assert event_args(receipt, master.ChildPauseNotMirrored) == []
    assert master.paused()
    assert child.paused()
    assert child.masterPaused()

    with reverts_with(child.MasterPaused, master=master.address):
        trade(child, bot, dai, pools)

    receipt = master.unpauseAll(sender=owner)
    assert event_args(receipt, master.Unpaused) == [{"account": owner.address}]
    assert event_args(receipt, child.MasterPauseMirrored) == [{"master": master.address, "paused": False}]
    assert not master.paused()
    assert not child.paused()
    assert not child.masterPaused()
    trade(child, bot, dai, pools)


def test_master_guardian_cannot_unpause(master, guardian):
    master.pauseAll(sender=guardian)
    with reverts_with(master.NotOwner, caller=guardian.address):
        master.unpauseAll(sender=guardian)
    assert master.paused()


def test_owner_can_pause_all(master, owner):
    master.pauseAll(sender=owner)
    assert master.paused()


def test_a_stranger_cannot_pause_all(master, stranger):
    with reverts_with(master.NotGuardianOrOwner, caller=stranger.address):
        master.pauseAll(sender=stranger)


def test_pausing_twice_is_a_quiet_no_op(master, child, guardian, owner):
    master.pauseAll(sender=guardian)
    receipt = master.pauseAll(sender=owner)  # pushes again: a retry for children a push missed
    assert event_args(receipt, master.Paused) == []
    assert event_args(receipt, child.MasterPauseMirrored) == []
    assert event_args(receipt, master.ChildPauseNotMirrored) == []
    assert master.paused()
    assert child.paused()


def test_master_guardian_cannot_be_the_owner(master, owner):
    with reverts_with(master.GuardianIsOwner, guardian=owner.address):
        master.setGuardian(owner, sender=owner)


def test_changing_the_master_guardian_revokes_the_old_one(master, owner, guardian, stranger):
    receipt = master.setGuardian(stranger, sender=owner)
    assert event_args(receipt, master.GuardianChanged) == [
        {"previousGuardian": guardian.address, "newGuardian": stranger.address}
    ]
    assert master.guardian() == stranger.address
    with reverts_with(master.NotGuardianOrOwner, caller=guardian.address):
        master.pauseAll(sender=guardian)
    master.pauseAll(sender=stranger)


def test_without_a_guardian_only_the_owner_pauses(master, owner, guardian):
    master.setGuardian(ZERO_ADDRESS, sender=owner)
    assert master.guardian() == ZERO_ADDRESS
    with reverts_with(master.NotGuardianOrOwner, caller=guardian.address):
        master.pauseAll(sender=guardian)
    master.pauseAll(sender=owner)


def test_child_guardian_can_pause_but_not_unpause(trading_child, master, owner, child_guardian, bot, dai, pools):
    child = trading_child
    receipt = child.pause(sender=child_guardian)
    assert event_args(receipt, child.Paused) == [{"account": child_guardian.address}]
    assert child.paused()
    assert not master.paused()
    with reverts_with(child.ChildPaused):
        trade(child, bot, dai, pools)

    with reverts_with(child.NotOwner, caller=child_guardian.address):
        child.unpause(sender=child_guardian)
    assert child.paused()

    receipt = child.unpause(sender=owner)
    assert event_args(receipt, child.Unpaused) == [{"account": owner.address}]
    assert not child.paused()
    trade(child, bot, dai, pools)


def test_a_child_stays_paused_while_its_master_is(child, master, owner, guardian):
    child.pause(sender=owner)
    master.pauseAll(sender=guardian)
    child.unpause(sender=owner)
    assert child.paused()
    master.unpauseAll(sender=owner)
    assert not child.paused()


def test_a_stranger_cannot_pause_a_child(child, stranger):
    with reverts_with(child.NotGuardianOrOwner, caller=stranger.address):
        child.pause(sender=stranger)


def test_the_master_guardian_is_not_the_childs(child, guardian):
    with reverts_with(child.NotGuardianOrOwner, caller=guardian.address):
        child.pause(sender=guardian)


def test_child_guardian_cannot_be_the_owner(child, owner, child_guardian, stranger):
    with reverts_with(child.GuardianIsOwner, guardian=owner.address):
        child.setGuardian(owner, sender=owner)
    receipt = child.setGuardian(stranger, sender=owner)
    assert event_args(receipt, child.GuardianChanged) == [
        {"previousGuardian": child_guardian.address, "newGuardian": stranger.address}
    ]
    assert child.guardian() == stranger.address


# -- the global pause carried to every child -------------------------------------------------------


@pytest.fixture
def spawn_child(project, master, child, owner, child_guardian):
    """Deploys another child diamond of this master, cut from the same facets as `child`."""

    def spawn():
        cut = [(facet.facetAddress, 0, list(facet.functionSelectors)) for facet in child.facets()]
        init = project.ChildInit.deploy(sender=owner)
        calldata = init.init.encode_input(master, child_guardian)
        diamond = project.Diamond.deploy(owner, cut, init, calldata, sender=owner)
        return diamond_handle(project, diamond.address, ("Diamond", *CHILD_FACETS, "TradeProbeFacet"))

    return spawn


@pytest.fixture
def rejecting(project, stranger):
    return project.PauseRejectingChild.deploy(False, sender=stranger)


def rejected(paused: bool) -> bytes:
    """The revert data of `PauseRejectingChild.setMasterPaused(paused)`."""
    return keccak(text="PauseRejected(bool)")[:4] + encode(["bool"], [paused])


def test_pause_all_reaches_every_child_past_one_that_refuses(
    master, child, spawn_child, rejecting, owner, guardian, bot, dai, pools
):
    spare = spawn_child()
    master.addChild(REJECTING, rejecting, sender=owner)
    master.addChild(SPARE, spare, sender=owner)  # registry order: child, rejecting, spare

    receipt = master.pauseAll(sender=guardian)

    assert event_args(receipt, master.ChildPauseNotMirrored) == [
        {"child": rejecting.address, "paused": True, "reason": rejected(True)}
    ]
    for diamond in (child, spare):
        assert event_args(receipt, diamond.MasterPauseMirrored) == [{"master": master.address, "paused": True}]
        assert diamond.paused() and diamond.masterPaused()
    with reverts_with(child.MasterPaused, master=master.address):
        trade(child, bot, dai, pools)

    receipt = master.unpauseAll(sender=owner)

    assert event_args(receipt, master.ChildPauseNotMirrored) == [
        {"child": rejecting.address, "paused": False, "reason": rejected(False)}
    ]
    for diamond in (child, spare):
        assert event_args(receipt, diamond.MasterPauseMirrored) == [{"master": master.address, "paused": False}]
        assert not diamond.paused()
    trade(child, bot, dai, pools)


def test_a_child_that_burns_its_gas_does_not_starve_the_others(project, master, spawn_child, owner, guardian, stranger):
    burner = project.PauseRejectingChild.deploy(True, sender=stranger)
    master.addChild(BURNING, burner, sender=owner)
    spare = spawn_child()
    master.addChild(SPARE, spare, sender=owner)

    receipt = master.pauseAll(sender=guardian)

    assert event_args(receipt, master.ChildPauseNotMirrored) == [
        {"child": burner.address, "paused": True, "reason": b""}
    ]
    assert spare.paused()
    assert receipt.gas_used < 100_000 + 150_000  # the burner's stipend plus the rest of the pause


def test_too_little_gas_for_a_push_reverts_rather_than_skip_a_child(master, child, guardian):
    """A gas limit that would starve a push fails the whole pause, so a gas estimate can only land
    on a limit at which every child gets its whole stipend."""
    with ape.reverts() as info:
        master.pauseAll(sender=guardian, gas=PUSH_RESERVE)
    error = info.value
    assert error.name == "InsufficientGasForPush"
    assert error.inputs["child"] == child.address
    assert error.inputs["needed"] == PUSH_RESERVE
    assert error.inputs["gasLeft"] < PUSH_RESERVE
    assert not master.paused()
    assert not child.paused()


def test_a_child_added_while_the_master_is_paused_is_paused(master, spawn_child, owner, guardian, bot):
    spare = spawn_child()  # attached before the pause: its mirror starts unpaused
    master.pauseAll(sender=guardian)
    assert not spare.paused()  # not registered, so not pushed to

    receipt = master.addChild(SPARE, spare, sender=owner)

    assert event_args(receipt, spare.MasterPauseMirrored) == [{"master": master.address, "paused": True}]
    assert spare.paused() and spare.masterPaused()
    master.unpauseAll(sender=owner)
    assert not spare.paused()


def test_a_child_attached_during_a_pause_starts_paused(master, spawn_child, guardian):
    master.pauseAll(sender=guardian)
    spare = spawn_child()
    assert spare.masterPaused()
    assert spare.paused()


def test_a_child_that_refuses_the_pause_is_not_added_while_paused(master, rejecting, owner, guardian):
    master.pauseAll(sender=guardian)
    with reverts_with(rejecting.PauseRejected, paused=True):
        master.addChild(REJECTING, rejecting, sender=owner)
    assert not master.isChild(rejecting)


def test_a_child_without_the_mirror_is_added_while_unpaused_and_reported(master, rejecting, owner):
    receipt = master.addChild(REJECTING, rejecting, sender=owner)
    assert event_args(receipt, master.ChildAdded) == [{"strategyId": REJECTING, "child": rejecting.address}]
    assert event_args(receipt, master.ChildPauseNotMirrored) == [
        {"child": rejecting.address, "paused": False, "reason": rejected(False)}
    ]
    assert master.isChild(rejecting)


def test_a_child_removed_during_a_pause_is_unpaused_when_registered_again(system, master, child, owner, guardian):
    master.pauseAll(sender=guardian)
    master.removeChild(system.strategy_id, sender=owner)
    master.unpauseAll(sender=owner)
    assert child.paused()  # no longer registered: the unpause was not pushed to it

    master.addChild(system.strategy_id, child, sender=owner)
    assert not child.paused()


@pytest.mark.parametrize("caller", ["owner", "child_guardian", "guardian", "stranger"])
def test_only_the_master_sets_the_mirror(request, child, caller):
    account = request.getfixturevalue(caller)
    with reverts_with(child.NotMaster, caller=account.address):
        child.setMasterPaused(True, sender=account)
    assert not child.paused()
