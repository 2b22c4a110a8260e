"""Planning a diamond cut from the loupe and the compiled facets (pure, no chain)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.diamond.plan import ZERO_ADDRESS, CutAction, CutPlanError, FacetTarget, plan_cut

DIAMOND = "0x" + "d1" * 20
A, B, C = ("0x" + c * 40 for c in "abc")


def target(name, address, *selectors):
    return FacetTarget(name, address, {s: f"{name}.f{s}()" for s in selectors})


def apply(current: dict[str, str], plan) -> dict[str, str]:
    """What the chain does with the cut (LibDiamond semantics)."""
    state = dict(current)
    for entry in plan.entries:
        for selector in entry.selectors:
            if entry.action is CutAction.ADD:
                assert selector not in state
                state[selector] = entry.address
            elif entry.action is CutAction.REPLACE:
                assert selector in state and state[selector] != entry.address and state[selector] != DIAMOND
                state[selector] = entry.address
            else:
                assert entry.address == ZERO_ADDRESS and state[selector] != DIAMOND
                del state[selector]
    return state


def test_remove_then_replace_then_add():
    current = {"0x01": A, "0x02": A, "0x03": B}
    plan = plan_cut(current, [target("X", C, "0x01", "0x04"), target("B", B, "0x03")], DIAMOND)
    assert [e.action for e in plan.entries] == [CutAction.REMOVE, CutAction.REPLACE, CutAction.ADD]
    assert plan.entries[0].selectors == ("0x02",)
    assert plan.entries[1].selectors == ("0x01",) and plan.entries[1].address == C
    assert plan.entries[2].selectors == ("0x04",)
    assert plan.unchanged == 1


def test_nothing_to_do_is_an_empty_plan():
    plan = plan_cut({"0x01": A}, [target("A", A, "0x01")], DIAMOND)
    assert plan.empty and plan.unchanged == 1


def test_collisions_between_facets_are_refused():
    with pytest.raises(CutPlanError, match="collision.*0x01.*in X and Y"):
        plan_cut({}, [target("X", A, "0x01"), target("Y", B, "0x01")], DIAMOND)


def test_immutable_functions_are_left_alone_but_never_claimed():
    plan = plan_cut({"0x01": DIAMOND, "0x02": A}, [target("A", A, "0x02")], DIAMOND)
    assert plan.empty and plan.immutable == ("0x01",)
    with pytest.raises(CutPlanError, match="defined on the diamond itself"):
        plan_cut({"0x01": DIAMOND}, [target("A", A, "0x01")], DIAMOND)


def test_an_undeployed_facet_plans_a_replace_but_cannot_be_sent():
    plan = plan_cut({"0x01": A}, [target("A2", None, "0x01")], DIAMOND)
    (entry,) = plan.entries
    assert entry.action is CutAction.REPLACE and entry.address is None
    with pytest.raises(CutPlanError, match="must be deployed"):
        entry.as_tuple()


def test_cut_tuple_encoding():
    plan = plan_cut({}, [target("A", A, "0x0102abcd")], DIAMOND)
    assert plan.entries[0].as_tuple() == (A, 0, [bytes.fromhex("0102abcd")])


selectors = st.sampled_from([f"0x{i:08x}" for i in range(12)])
addresses = st.sampled_from([A, B, C])


@given(
    current=st.dictionaries(selectors, st.sampled_from([A, B, C, DIAMOND]), max_size=10),
    assignment=st.dictionaries(selectors, addresses, max_size=10),
)
def test_applying_the_plan_reaches_the_target(current, assignment):
    assignment = {s: a for s, a in assignment.items() if current.get(s) != DIAMOND}
    by_facet: dict[str, list[str]] = {}
    for selector, address in assignment.items():
        by_facet.setdefault(address, []).append(selector)
    targets = [target(f"F{address[2:4]}", address, *sels) for address, sels in by_facet.items()]

    plan = plan_cut(current, targets, DIAMOND)

    immutable = {s: a for s, a in current.items() if a == DIAMOND}
    assert apply(current, plan) == {**assignment, **immutable}
