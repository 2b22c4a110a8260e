"""Namespaced storage (ERC-7201): facets' structs never overlap, and every declared slot is right.

The behavioural tests cut StorageProbeA and StorageProbeB (same field names, different
namespaces) into a diamond and show writes through one leave the other, the selector
tables and the owner alone. The static tests read every `.sol` file under contracts/,
so libraries added later by anyone are checked the moment they land.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_utils import keccak

from .conftest import ZERO_ADDRESS, selectors_of
from .model import FacetCut, FacetCutAction

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"


def erc7201_slot(namespace: str) -> int:
    """keccak256(abi.encode(uint256(keccak256(namespace)) - 1)) & ~bytes32(uint256(0xff))"""
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


PROBE_A_SLOT = erc7201_slot("lapidary.test.probeA")
PROBE_B_SLOT = erc7201_slot("lapidary.test.probeB")
DIAMOND_SLOT = erc7201_slot("lapidary.diamond")
OWNERSHIP_SLOT = erc7201_slot("lapidary.ownership")


# -- behaviour ------------------------------------------------------------------------------


@pytest.fixture
def probes(project, owner, diamond):
    probe_a = project.StorageProbeA.deploy(sender=owner)
    probe_b = project.StorageProbeB.deploy(sender=owner)
    diamond.diamond_cut(
        [
            FacetCut.of(probe_a.address, FacetCutAction.ADD, selectors_of(probe_a)),
            FacetCut.of(probe_b.address, FacetCutAction.ADD, selectors_of(probe_b)),
        ]
    )
    return project.StorageProbeA.at(diamond.address), project.StorageProbeB.at(diamond.address)


def core_state(rpc, diamond) -> dict:
    """Everything the core keeps, read through the loupe, ownership and raw storage."""
    return {
        "facets": [(f.facetAddress, list(f.functionSelectors)) for f in diamond.loupe.facets()],
        "owner": diamond.ownership.owner(),
        "pending": diamond.ownership.pendingOwner(),
        "erc165": diamond.loupe.supportsInterface(bytes.fromhex("01ffc9a7")),
        "raw": [rpc.storage(diamond.address, slot + i) for slot in (DIAMOND_SLOT, OWNERSHIP_SLOT) for i in range(4)],
    }


def test_writes_through_one_namespace_leave_the_other_and_the_core_alone(rpc, diamond, probes, stranger, newcomer):
    a, b = probes
    before = core_state(rpc, diamond)

    a.probeASet(111, stranger, sender=stranger)
    a.probeASetEntry(1, 11, sender=stranger)
    assert a.probeAGet() == (111, stranger.address)
    assert (b.probeBGet(), b.probeBEntry(1)) == ((0, ZERO_ADDRESS), 0)

    b.probeBSet(222, newcomer, sender=stranger)
    b.probeBSetEntry(1, 22, sender=stranger)
    assert (a.probeAGet(), a.probeAEntry(1)) == ((111, stranger.address), 11)
    assert (b.probeBGet(), b.probeBEntry(1)) == ((222, newcomer.address), 22)

    assert core_state(rpc, diamond) == before


def test_each_probe_writes_exactly_at_its_namespace_slot(rpc, diamond, probes, stranger):
    a, b = probes
    a.probeASet(111, stranger, sender=stranger)
    b.probeBSet(222, stranger, sender=stranger)
    assert rpc.storage(diamond.address, PROBE_A_SLOT) == 111
    assert rpc.storage(diamond.address, PROBE_A_SLOT + 1) == int(stranger.address, 16)
    assert rpc.storage(diamond.address, PROBE_B_SLOT) == 222
    assert rpc.storage(diamond.address, PROBE_B_SLOT + 1) == int(stranger.address, 16)


def test_the_core_libraries_keep_their_state_at_their_namespace_slots(rpc, diamond, owner):
    assert rpc.storage(diamond.address, OWNERSHIP_SLOT) == int(owner.address, 16)
    # DiamondStorage: two mappings, then the facetAddresses array (its length) at slot + 2.
    assert rpc.storage(diamond.address, DIAMOND_SLOT + 2) == len(diamond.loupe.facetAddresses())


def test_an_initializer_writes_the_diamonds_namespaced_storage(project, rpc, owner, diamond, probes, newcomer):
    a, _ = probes
    storage_init = project.StorageInit.deploy(sender=owner)
    before = core_state(rpc, diamond)

    diamond.diamond_cut([], storage_init.address, storage_init.init.encode_input(5, newcomer))

    assert a.probeAGet() == (5, newcomer.address)
    assert rpc.storage(storage_init.address, PROBE_A_SLOT) == 0  # delegatecall: not the initializer's own
    assert core_state(rpc, diamond) == before


# -- every namespace declared under contracts/ ----------------------------------------------------

DECLARATION = re.compile(r"^[ \t]*(?:abstract[ \t]+)?(?:contract|library|interface)[ \t]+(\w+)", re.MULTILINE)
NAMESPACE = re.compile(r"@custom:storage-location[ \t]+erc7201:([\w.\-]+)")
SLOT_CONSTANT = re.compile(
    r"bytes32[ \t]+(?:private|internal)[ \t]+constant[ \t]+\w*SLOT\w*[ \t]*=[ \t]*(0x[0-9a-fA-F]+)[ \t]*;"
)


@dataclass(frozen=True)
class Namespace:
    path: str
    declaration: str
    namespace: str
    slot: int | None  # None: no slot constant follows the annotation in its declaration


def declared_namespaces(root: Path = CONTRACTS) -> list[Namespace]:
    """Each `@custom:storage-location erc7201:` annotation with the slot constant that follows it."""
    found = []
    for path in sorted(root.rglob("*.sol")):
        if ".cache" in path.parts:
            continue
        source = path.read_text()
        starts = [(m.start(), m.group(1)) for m in DECLARATION.finditer(source)]
        annotations = list(NAMESPACE.finditer(source))
        for i, annotation in enumerate(annotations):
            owner = [name for start, name in starts if start < annotation.start()]
            following = [start for start, _ in starts if start > annotation.start()]
            end = min([len(source), *following[:1], *[a.start() for a in annotations[i + 1 : i + 2]]])
            constant = SLOT_CONSTANT.search(source, annotation.end(), end)
            found.append(
                Namespace(
                    path=str(path.relative_to(root.parent)),
                    declaration=owner[-1] if owner else "<file level>",
                    namespace=annotation.group(1),
                    slot=int(constant.group(1), 16) if constant else None,
                )
            )
    return found


def test_the_scan_finds_the_known_namespaces():
    found = {(n.declaration, n.namespace) for n in declared_namespaces()}
    assert {
        ("LibDiamond", "lapidary.diamond"),
        ("LibOwnership", "lapidary.ownership"),
        ("StorageProbeALayout", "lapidary.test.probeA"),
        ("StorageProbeBLayout", "lapidary.test.probeB"),
    } <= found


def test_the_scan_pairs_each_annotation_with_the_constant_of_its_own_library(tmp_path):
    good = erc7201_slot("t.good")
    (tmp_path / "T.sol").write_text(
        f"""
library LibGood {{
    /// @custom:storage-location erc7201:t.good
    struct Layout {{ uint256 x; }}
    bytes32 private constant STORAGE_SLOT = {good:#066x};
}}
library LibNoConstant {{
    /// @custom:storage-location erc7201:t.none
    struct Layout {{ uint256 x; }}
}}
contract Later {{
    bytes32 internal constant STORAGE_SLOT = 0x{"ab" * 32};
}}
"""
    )
    assert declared_namespaces(tmp_path) == [
        Namespace(f"{tmp_path.name}/T.sol", "LibGood", "t.good", good),
        Namespace(f"{tmp_path.name}/T.sol", "LibNoConstant", "t.none", None),
    ]


def test_every_namespace_is_followed_by_its_slot_constant():
    missing = [f"{n.path}: {n.declaration} ({n.namespace})" for n in declared_namespaces() if n.slot is None]
    assert not missing, (
        "an erc7201 annotation must be followed, in the same library, by "
        "`bytes32 private constant STORAGE_SLOT = 0x...;`: " + "; ".join(missing)
    )


def test_every_slot_constant_is_the_erc7201_slot_of_its_namespace():
    wrong = [
        f"{n.path}: {n.declaration} declares {n.namespace} at {n.slot:#066x}, "
        f"ERC-7201 gives {erc7201_slot(n.namespace):#066x}"
        for n in declared_namespaces()
        if n.slot is not None and n.slot != erc7201_slot(n.namespace)
    ]
    assert not wrong, "\n".join(wrong)


def test_namespaces_and_slots_are_unique():
    found = declared_namespaces()
    by_namespace: dict[str, list[str]] = {}
    by_slot: dict[int, list[str]] = {}
    for n in found:
        by_namespace.setdefault(n.namespace, []).append(f"{n.path}:{n.declaration}")
        if n.slot is not None:
            by_slot.setdefault(n.slot, []).append(f"{n.path}:{n.declaration} ({n.namespace})")
    namespaces_twice = {ns: where for ns, where in by_namespace.items() if len(where) > 1}
    slots_twice = {hex(slot): where for slot, where in by_slot.items() if len(where) > 1}
    assert not namespaces_twice, f"namespace declared more than once: {namespaces_twice}"
    assert not slots_twice, f"slot declared more than once: {slots_twice}"


@pytest.mark.parametrize(
    ("namespace", "slot"),
    [
        # The example of ERC-7201 itself.
        ("example.main", 0x183A6125C38840424C4A85FA12BAB2AB606C4B6D0E7CC73C0C06BA5300EAB500),
        # OpenZeppelin 5 Initializable's INITIALIZABLE_STORAGE.
        ("openzeppelin.storage.Initializable", 0xF0C57E16840DF040F15088DC2F81FE391C3923BEC73E23A9662EFC9C229C6A00),
        ("lapidary.test.probeA", 0x75B554C8ED2FF4ED3EDFB2C568C6E283EF1506DA97089C05B9E8B3F52B9CA700),
        ("lapidary.test.probeB", 0x4013443B152894009A3533B4DA2926E17CD8E2903A0ABD784A454678F755DF00),
    ],
)
def test_the_slot_formula_matches_published_slots(namespace, slot):
    assert erc7201_slot(namespace) == slot
