"""Tests are dealt to shards by group and recorded weight; a shard is started again only when Ape's
node never came up before its first test."""

from __future__ import annotations

import json

from keepers.toolchain.shards import deal, group_of, node_never_came_up, read_weights, update_weights

NEVER_UP = (
    "collected 931 items / 466 deselected / 465 selected\n"
    "INTERNALERROR> ape.exceptions.RPCTimeoutError: Timed out waiting for successful RPC connection to the "
    "'anvil' process (20 seconds).\n"
)


def test_only_a_node_that_never_came_up_is_retried():
    assert node_never_came_up(3, NEVER_UP)
    assert not node_never_came_up(0, NEVER_UP)
    ran = "tests/api/test_api.py ..F\n" + NEVER_UP
    assert not node_never_came_up(1, ran)  # tests ran: a real failure stands
    assert not node_never_came_up(1, "tests/chain/test_fees.py F\nAssertionError\n")


def test_a_package_with_package_fixtures_is_one_group_and_other_tests_group_by_module():
    assert group_of("tests/api/test_up.py::test_a[1920]") == "tests/api"
    assert group_of("tests/arb/e2e/test_scale.py::test_x") == "tests/arb/e2e/test_scale.py"


def test_groups_are_dealt_heaviest_first_to_the_least_loaded_shard():
    groups = {"api": 40, "a": 10, "b": 10, "c": 10, "d": 5}
    weights = {"api": 300.0, "a": 100.0, "b": 100.0, "c": 50.0}  # d unknown: 5 tests x median 5 s/test
    assert deal(groups, weights, 2) == {"api": 0, "a": 1, "b": 1, "c": 1, "d": 1}
    assert deal(groups, {}, 2) == deal(groups, {}, 2)  # with no weights: counts, the same deal everywhere
    assert set(deal(groups, weights, 3).values()) == {0, 1, 2}


def test_recorded_durations_become_the_next_weights(tmp_path):
    weights = tmp_path / "weights.json"
    assert read_weights(weights) == {}
    weights.write_text("not json")
    assert read_weights(weights) == {}
    weights.write_text(json.dumps({"old": 3.0, "a": 1.0}))
    (tmp_path / "test-durations-0.json").write_text(json.dumps({"a": 2.04}))
    (tmp_path / "test-durations-1.json").write_text(json.dumps({"b": 7.0}))
    assert update_weights(tmp_path, weights) == {"old": 3.0, "a": 2.04, "b": 7.0}
    assert read_weights(weights) == {"a": 2.0, "b": 7.0, "old": 3.0}
