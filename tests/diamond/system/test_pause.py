"""MasterPauseFacet (global pause) and GuardianFacet (a child's own pause)."""

from __future__ import annotations

from .support import ZERO_ADDRESS, event_args, reverts_with

E18 = 10**18


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
    assert master.paused()
    assert child.paused()

    with reverts_with(child.MasterPaused, master=master.address):
        trade(child, bot, dai, pools)

    receipt = master.unpauseAll(sender=owner)
    assert event_args(receipt, master.Unpaused) == [{"account": owner.address}]
    assert not master.paused()
    assert not child.paused()
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


def test_pausing_twice_is_a_quiet_no_op(master, guardian, owner):
    master.pauseAll(sender=guardian)
    receipt = master.pauseAll(sender=owner)
    assert event_args(receipt, master.Paused) == []
    assert master.paused()


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
