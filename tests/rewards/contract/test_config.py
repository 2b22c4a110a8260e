"""The owner's one setter, `setRewardsConfig`: defaults until set, bounds, and nobody else."""

from __future__ import annotations

import pytest

from tests.support import event_args, reverts_with

from .conftest import DAY, DEFAULT_GRACE, DEFAULT_TIMELOCK, HOUR

MINUTE = 60


def test_the_defaults_hold_until_the_owner_sets_them(child):
    assert tuple(child.rewardsConfig()) == (DEFAULT_TIMELOCK, DEFAULT_GRACE) == (HOUR, 30 * DAY)


def test_the_owner_sets_the_config_and_it_is_announced(child, owner):
    receipt = child.setRewardsConfig(2 * HOUR, 14 * DAY, sender=owner)
    assert tuple(child.rewardsConfig()) == (2 * HOUR, 14 * DAY)
    assert event_args(receipt, child.RewardsConfigChanged) == [{"rootTimelock": 2 * HOUR, "claimGracePeriod": 14 * DAY}]


@pytest.mark.parametrize(
    ("timelock", "grace"),
    [(10 * MINUTE, 7 * DAY), (7 * DAY, 365 * DAY)],
    ids=["lowest", "highest"],
)
def test_the_bounds_are_inclusive(child, owner, timelock, grace):
    child.setRewardsConfig(timelock, grace, sender=owner)
    assert tuple(child.rewardsConfig()) == (timelock, grace)


@pytest.mark.parametrize(
    ("timelock", "grace"),
    [
        (0, 0),
        (10 * MINUTE - 1, 30 * DAY),
        (7 * DAY + 1, 30 * DAY),
        (HOUR, 7 * DAY - 1),
        (HOUR, 365 * DAY + 1),
        (2**64 - 1, 2**64 - 1),
    ],
)
def test_values_outside_the_bounds_are_refused(child, owner, timelock, grace):
    with reverts_with(child.InvalidRewardsConfig, rootTimelock=timelock, claimGracePeriod=grace):
        child.setRewardsConfig(timelock, grace, sender=owner)
    assert tuple(child.rewardsConfig()) == (DEFAULT_TIMELOCK, DEFAULT_GRACE)


@pytest.mark.parametrize("who", ["stranger", "bot", "guardian", "sponsor"])
def test_owner_only_setters_reject_everyone_else(request, child, who):
    caller = request.getfixturevalue(who)
    with reverts_with(child.NotOwner, caller=caller.address):
        child.setRewardsConfig(2 * HOUR, 14 * DAY, sender=caller)


def test_the_facet_is_cut_into_the_rewards_child(project, child):
    served = {selector for facet in child.facets() for selector in facet.functionSelectors}
    facet_selectors = {
        bytes.fromhex(selector[2:]) for selector in project.MerkleRewardsFacet.contract_type.method_identifiers.values()
    }
    assert facet_selectors <= {bytes(s) for s in served}
