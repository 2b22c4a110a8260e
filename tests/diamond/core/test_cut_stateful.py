"""Random cut sequences against the model: after every step the chain's loupe equals `LoupeModel`.

A Hypothesis state machine adds, replaces and removes random subsets of a pool of
24 selectors (0x00000000 among them) across four deployed facets, in single- and
multi-entry cuts, and throws in invalid cuts. Before each cut the model predicts its
outcome: a valid cut must succeed and announce exactly its entries; an invalid one
must revert with exactly the custom error (and arguments) the model names, as a call
and as a mined transaction. After every step all four loupe functions, for every
facet and selector involved, must equal the model, list order included, and every
pool selector the model says is unmapped must revert with FunctionNotFound.

Reads go to the node as one JSON-RPC batch per step; the chain is snapshotted when
an example starts and restored when it ends. Deterministic (`derandomize=True`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .conftest import ZERO_ADDRESS, CallResult, CoreDiamond, RawRpc, error_data, selector
from .model import CutError, FacetCut, FacetCutAction, LoupeModel

ADD, REPLACE, REMOVE = FacetCutAction.ADD, FacetCutAction.REPLACE, FacetCutAction.REMOVE
ZERO_SELECTOR = bytes(4)
NEVER_ADDED = selector("neverAdded()")
POOL = [
    ZERO_SELECTOR,  # first: Hypothesis favours early elements
    *(selector(f"a{i}()") for i in range(1, 5)),
    *(selector(f"b{i}()") for i in range(1, 5)),
    *(selector(f"pool{i}()") for i in range(15)),
]
INVALID_KINDS = [
    "zero facet",
    "no code",
    "remove with facet",
    "empty",
    "core selector",
    "missing selector",
    "same facet",
]
DIAMOND_CUT_TOPIC = keccak(text="DiamondCut((address,uint8,bytes4[])[],address,bytes)")
FACETS, FACET_ADDRESSES = selector("facets()"), selector("facetAddresses()")
FACET_FUNCTION_SELECTORS, FACET_ADDRESS = selector("facetFunctionSelectors(address)"), selector("facetAddress(bytes4)")


@dataclass
class CutEnv:
    """What the machine works on: one diamond, its facets, and ways to reach the node."""

    diamond: CoreDiamond
    rpc: RawRpc
    chain: object
    owner: str
    facets: list[str]
    eoa: str
    cut_type: object  # DiamondCutFacet's contract type, for expected error data
    diamond_type: object  # Diamond's contract type (FunctionNotFound)
    core_selectors: list[bytes]
    stats: Counter = field(default_factory=Counter)
    _code: dict[str, bool] = field(default_factory=dict)

    def has_code(self, address: str) -> bool:
        if address not in self._code:
            self._code[address] = bool(self.rpc.code(address))
        return self._code[address]


class DiamondCutMachine(RuleBasedStateMachine):
    env: CutEnv  # bound by the test

    def __init__(self):
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.model: LoupeModel = self.env.diamond.model(self.env.has_code)

    def teardown(self):
        self.env.chain.restore(self.snapshot)

    # -- drawing cuts that are mostly valid ----------------------------------------------------

    def _draw_selectors(self, data, model: LoupeModel, action: FacetCutAction, facet: str) -> list[bytes]:
        if action == ADD:
            fitting = [s for s in POOL if model.facet_address(s) == ZERO_ADDRESS]
        elif action == REPLACE:
            fitting = [s for s in POOL if model.facet_address(s) not in (ZERO_ADDRESS, facet)]
        else:
            fitting = [s for s in POOL if model.facet_address(s) != ZERO_ADDRESS]
        # Mostly selectors the action fits (a valid cut); sometimes any (likely invalid).
        candidates = fitting if fitting and data.draw(st.sampled_from([True, True, True, False]), label="fit") else POOL
        return data.draw(
            st.lists(st.sampled_from(candidates), min_size=1, max_size=min(6, len(candidates)), unique=True),
            label=f"{action.name} selectors",
        )

    def _draw_entry(self, data, model: LoupeModel, action: FacetCutAction | None = None) -> FacetCut:
        if action is None:
            action = data.draw(st.sampled_from(list(FacetCutAction)), label="action")
        facets = self.env.facets
        if action == REPLACE:
            # Prefer facets some mapped pool selector could move to.
            movable = {model.facet_address(s) for s in POOL} - {ZERO_ADDRESS}
            facets = [f for f in facets if movable - {f}] or facets
        facet = ZERO_ADDRESS if action == REMOVE else data.draw(st.sampled_from(facets), label="facet")
        return FacetCut.of(facet, action, self._draw_selectors(data, model, action, facet))

    # -- applying a cut to chain and model -------------------------------------------------------

    def _apply(self, entries: list[FacetCut], must_fail: bool = False) -> None:
        env = self.env
        predicted = self.model.copy()
        try:
            predicted.cut(entries)
            error = None
        except CutError as raised:
            error = raised
        assert not (must_fail and error is None), f"an invalid cut the model accepts: {entries}"

        calldata = bytes(env.diamond.cut.diamondCut.encode_input([e.as_abi() for e in entries], ZERO_ADDRESS, b""))
        if error is not None:
            expected = error_data(env.cut_type, error.name, *error.error_args)
            assert env.rpc.call(env.diamond.address, calldata, env.owner) == CallResult(False, expected), error
            assert int(env.rpc.send(env.owner, env.diamond.address, calldata)["status"], 16) == 0
            env.stats["invalid"] += 1
            env.stats[f"invalid {error.name}"] += 1
            return

        receipt = env.rpc.send(env.owner, env.diamond.address, calldata)
        assert int(receipt["status"], 16) == 1, entries
        (log,) = [log for log in receipt["logs"] if bytes.fromhex(log["topics"][0][2:]) == DIAMOND_CUT_TOPIC]
        announced, init, init_calldata = decode(
            ["(address,uint8,bytes4[])[]", "address", "bytes"], bytes.fromhex(log["data"][2:])
        )
        assert [(to_checksum_address(f), a, list(s)) for f, a, s in announced] == [e.as_abi() for e in entries]
        assert (to_checksum_address(init), init_calldata) == (ZERO_ADDRESS, b"")

        facets_before = set(self.model.facet_addresses())
        self.model = predicted
        env.stats["valid"] += 1
        env.stats["multi-entry" if len(entries) > 1 else "single-entry"] += 1
        env.stats["facet dropped"] += len(facets_before - set(self.model.facet_addresses()))
        for entry in entries:
            if ZERO_SELECTOR in entry.selectors:
                env.stats[f"zero selector {entry.action.name}"] += 1

    # -- rules -------------------------------------------------------------------------------

    def _some_pool_selector_is_mapped(self) -> bool:
        return any(self.model.facet_address(s) != ZERO_ADDRESS for s in POOL)

    @precondition(_some_pool_selector_is_mapped)
    @rule(data=st.data())
    def remove(self, data):
        self._apply([self._draw_entry(data, self.model, REMOVE)])

    @precondition(_some_pool_selector_is_mapped)
    @rule(data=st.data())
    def replace(self, data):
        self._apply([self._draw_entry(data, self.model, REPLACE)])

    @rule(data=st.data())
    def add(self, data):
        self._apply([self._draw_entry(data, self.model, ADD)])

    @rule(data=st.data(), count=st.integers(2, 3))
    def multi_entry_cut(self, data, count):
        staged, entries = self.model.copy(), []
        for _ in range(count):
            entry = self._draw_entry(data, staged)
            entries.append(entry)
            try:
                staged.cut([entry])
            except CutError:
                pass
        self._apply(entries)

    @rule(data=st.data())
    def zero_selector(self, data):
        """0x00000000 in or out, at wherever the tables stand: added, moved to another facet, or removed."""
        facet = data.draw(st.sampled_from(self.env.facets), label="facet")
        current = self.model.facet_address(ZERO_SELECTOR)
        if current == ZERO_ADDRESS:
            entry = FacetCut.of(facet, ADD, [ZERO_SELECTOR])
        elif facet != current and data.draw(st.booleans(), label="replace"):
            entry = FacetCut.of(facet, REPLACE, [ZERO_SELECTOR])
        else:
            entry = FacetCut.of(ZERO_ADDRESS, REMOVE, [ZERO_SELECTOR])
        self._apply([entry])

    @rule(data=st.data(), kind=st.sampled_from(INVALID_KINDS))
    def invalid_cut(self, data, kind):
        """A cut that breaks one rule, alone or after a random entry; it must revert as the model says."""
        self.env.stats[f"kind {kind}"] += 1
        before = [self._draw_entry(data, self.model)] if data.draw(st.booleans(), label="after an entry") else []
        self._apply([*before, self._draw_invalid_entry(data, kind)], must_fail=True)

    def _draw_invalid_entry(self, data, kind: str) -> FacetCut:
        facet = data.draw(st.sampled_from(self.env.facets), label="facet")
        action = data.draw(st.sampled_from([ADD, REPLACE]), label="action")
        selectors = data.draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=True), label="selectors")
        mapped = [s for s in selectors if self.model.facet_address(s) != ZERO_ADDRESS]
        if kind == "zero facet":
            return FacetCut.of(ZERO_ADDRESS, action, selectors)
        if kind == "no code":
            return FacetCut.of(self.env.eoa, action, selectors)
        if kind == "remove with facet":
            return FacetCut.of(facet, REMOVE, selectors)
        if kind == "empty":
            return FacetCut.of(facet, action, [])
        if kind == "core selector":
            return FacetCut.of(facet, ADD, [data.draw(st.sampled_from(self.env.core_selectors), label="core")])
        if kind == "same facet" and mapped:
            return FacetCut.of(self.model.facet_address(mapped[0]), REPLACE, mapped)
        # "missing selector", and "same facet" while none of the drawn selectors is mapped
        if action == REPLACE:
            return FacetCut.of(facet, REPLACE, [NEVER_ADDED])
        return FacetCut.of(ZERO_ADDRESS, REMOVE, [NEVER_ADDED])

    # -- the invariant -------------------------------------------------------------------------

    @invariant()
    def loupe_equals_model(self):
        env, model, address = self.env, self.model, self.env.diamond.address
        facets = sorted(set(env.facets) | set(model.facet_addresses()) | {env.eoa, address})
        selectors = [*POOL, *env.core_selectors, NEVER_ADDED]
        requests = [
            (address, FACETS),
            (address, FACET_ADDRESSES),
            *((address, FACET_FUNCTION_SELECTORS + encode(["address"], [f])) for f in facets),
            *((address, FACET_ADDRESS + encode(["bytes4"], [s])) for s in selectors),
            *((address, s) for s in POOL),
        ]
        results = env.rpc.calls(requests)
        assert all(r.ok for r in results[: -len(POOL)])
        data = iter(r.data for r in results)

        (on_chain,) = decode(["(address,bytes4[])[]"], next(data))
        assert [(to_checksum_address(f), list(s)) for f, s in on_chain] == model.facets()
        (addresses,) = decode(["address[]"], next(data))
        assert [to_checksum_address(a) for a in addresses] == model.facet_addresses()
        for facet in facets:
            assert list(decode(["bytes4[]"], next(data))[0]) == model.facet_function_selectors(facet), facet
        for sel in selectors:
            assert to_checksum_address(decode(["address"], next(data))[0]) == model.facet_address(sel), sel.hex()
        for sel in POOL:
            not_found = error_data(env.diamond_type, "FunctionNotFound", sel)
            reverted_not_found = next(data) == not_found
            assert reverted_not_found == (model.facet_address(sel) == ZERO_ADDRESS), sel.hex()


def test_random_cuts_keep_the_loupe_equal_to_the_model(
    project, chain, rpc, owner, stranger, diamond, facet_a, facet_a2, facet_b, fallback_facet
):
    env = CutEnv(
        diamond=diamond,
        rpc=rpc,
        chain=chain,
        owner=owner.address,
        facets=[facet_a.address, facet_a2.address, facet_b.address, fallback_facet.address],
        eoa=stranger.address,
        cut_type=project.DiamondCutFacet.contract_type,
        diamond_type=project.Diamond.contract_type,
        core_selectors=[s for _, chosen in diamond.model(lambda _: True).facets() for s in chosen],
    )
    machine = type("BoundDiamondCutMachine", (DiamondCutMachine,), {"env": env})

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            derandomize=True,
            database=None,
            # No shrinking: against a chain it runs for minutes; the failing run of at most
            # 15 steps is printed as it is.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

    # The mix this deterministic run exercises (pinned Hypothesis; revisit the floors if it changes).
    stats = env.stats
    assert stats["valid"] >= 100 and stats["invalid"] >= 40, stats
    assert stats["multi-entry"] >= 10 and stats["facet dropped"] >= 10, stats
    assert all(stats[f"zero selector {action.name}"] for action in FacetCutAction), stats
    errors = ("ZeroFacetAddress", "NoCode", "EmptyFacetCut", "RemoveFacetMustBeZero", "SelectorAlreadyAdded")
    for name in (*errors, "SelectorNotFound", "SameFacetReplace"):
        assert stats[f"invalid {name}"], stats
