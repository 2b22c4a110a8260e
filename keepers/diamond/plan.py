"""Compute a diamond cut from the on-chain loupe and the compiled facets. Pure: no chain access.

The cut removes first, then replaces, then adds, so a selector that moves between
facets never exists twice and a removed facet frees its selectors before anything
reuses them. Functions defined on the diamond itself (facet address == diamond)
are immutable: left alone when unlisted, refused when a facet claims them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class CutAction(IntEnum):
    """IDiamond.FacetCutAction."""

    ADD = 0
    REPLACE = 1
    REMOVE = 2


class CutPlanError(ValueError):
    """The desired facets cannot be reached by a valid cut."""


@dataclass(frozen=True)
class FacetTarget:
    """A facet the diamond should have: its compiled selectors and where it is (None: not deployed yet)."""

    name: str
    address: str | None
    selectors: Mapping[str, str]  # "0x1234abcd" -> "transfer(address,uint256)"


@dataclass(frozen=True)
class CutEntry:
    action: CutAction
    facet: str  # facet name, or "" for Remove
    address: str | None  # ZERO_ADDRESS for Remove, None while the facet is not deployed
    selectors: tuple[str, ...]
    signatures: tuple[str, ...]

    def as_tuple(self) -> tuple[str, int, list[bytes]]:
        """The IDiamond.FacetCut tuple to send."""
        if self.address is None:
            raise CutPlanError(f"facet {self.facet} must be deployed before the cut is sent")
        return (self.address, int(self.action), [bytes.fromhex(s[2:]) for s in self.selectors])


@dataclass(frozen=True)
class CutPlan:
    entries: tuple[CutEntry, ...]
    unchanged: int  # selectors already where they should be
    immutable: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.entries


def _norm(address: str) -> str:
    return address.lower()


def plan_cut(
    current: Mapping[str, str],
    targets: Sequence[FacetTarget],
    diamond: str,
    current_signatures: Mapping[str, str] | None = None,
) -> CutPlan:
    """The cut that turns `current` (selector -> facet address, from the loupe) into `targets`."""
    desired: dict[str, FacetTarget] = {}
    collisions = []
    for target in targets:
        for selector in target.selectors:
            if selector in desired and desired[selector].name != target.name:
                collisions.append(
                    f"{selector} {target.selectors[selector]} in {desired[selector].name} and {target.name}"
                )
            desired[selector] = target
    if collisions:
        raise CutPlanError("selector collision between facets: " + "; ".join(collisions))

    immutable = {s for s, facet in current.items() if _norm(facet) == _norm(diamond)}
    if claimed := sorted(immutable & desired.keys()):
        raise CutPlanError(
            "cannot change functions defined on the diamond itself: "
            + ", ".join(f"{s} (claimed by {desired[s].name})" for s in claimed)
        )

    signatures = dict(current_signatures or {})
    removes = sorted(s for s in current if s not in desired and s not in immutable)
    replaces: dict[str, list[str]] = {}
    adds: dict[str, list[str]] = {}
    unchanged = 0
    for selector, target in desired.items():
        if selector not in current:
            adds.setdefault(target.name, []).append(selector)
        elif target.address is None or _norm(current[selector]) != _norm(target.address):
            replaces.setdefault(target.name, []).append(selector)
        else:
            unchanged += 1

    by_name = {t.name: t for t in targets}
    entries: list[CutEntry] = []
    if removes:
        entries.append(
            CutEntry(CutAction.REMOVE, "", ZERO_ADDRESS, tuple(removes), tuple(signatures.get(s, "?") for s in removes))
        )
    for action, groups in ((CutAction.REPLACE, replaces), (CutAction.ADD, adds)):
        for name, selectors in groups.items():
            target = by_name[name]
            entries.append(
                CutEntry(action, name, target.address, tuple(selectors), tuple(target.selectors[s] for s in selectors))
            )
    return CutPlan(tuple(entries), unchanged, tuple(sorted(immutable)))
