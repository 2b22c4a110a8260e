"""A Python model of a diamond's selector tables, exact to LibDiamond's ordering.

`LoupeModel` answers the four EIP-2535 loupe functions the way
`contracts/diamond/LibDiamond.sol` (diamond-3 layout) would after the same cuts,
including the order of every list:

- Add appends each selector to its facet's list; a facet that had no selectors
  is appended to `facetAddresses` first (Replace does the same for its new facet,
  before any selector moves).
- Removing a selector (Remove, or Replace moving it away) swaps the facet's last
  selector into its place and pops; a facet whose last selector goes is removed
  from `facetAddresses` the same way (swap-and-pop).

Invalid cuts raise `CutError` named and argued like LibDiamond's custom error,
checked in LibDiamond's order, and leave the model unchanged: a cut is atomic,
as a reverted transaction is. Pure Python over checksummed addresses and 4-byte
selectors; no chain access, so keepers and scripts can reuse it to predict a cut.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from eth_utils import to_checksum_address

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class FacetCutAction(IntEnum):
    """`IDiamond.FacetCutAction`."""

    ADD = 0
    REPLACE = 1
    REMOVE = 2


@dataclass(frozen=True)
class FacetCut:
    """One `IDiamond.FacetCut` entry."""

    facet: str
    action: FacetCutAction
    selectors: tuple[bytes, ...]

    @classmethod
    def of(cls, facet: str, action: FacetCutAction, selectors: Iterable[bytes]) -> FacetCut:
        return cls(to_checksum_address(facet), FacetCutAction(action), tuple(bytes(s) for s in selectors))

    def as_abi(self) -> tuple[str, int, list[bytes]]:
        """The entry as the ABI tuple `(address,uint8,bytes4[])`."""
        return (self.facet, int(self.action), list(self.selectors))


class CutError(Exception):
    """A cut LibDiamond would revert, named and argued like its custom error."""

    def __init__(self, name: str, *args: object):
        super().__init__(name, *args)
        self.name = name
        self.error_args = args

    def __repr__(self) -> str:
        return f"{self.name}{self.error_args!r}"


class LoupeModel:
    """The selector tables of one diamond.

    `diamond` is the diamond's own address: selectors mapped to it are immutable
    functions. `has_code(address)` says whether an address holds code (LibDiamond
    checks a facet when it first gets selectors; the diamond itself is exempt).
    """

    def __init__(self, diamond: str, has_code: Callable[[str], bool]):
        self.diamond = to_checksum_address(diamond)
        self._has_code = has_code
        self._facet_of: dict[bytes, str] = {}
        self._selectors: dict[str, list[bytes]] = {}
        self._facets: list[str] = []

    # -- the loupe -------------------------------------------------------------------------

    def facets(self) -> list[tuple[str, list[bytes]]]:
        return [(facet, list(self._selectors[facet])) for facet in self._facets]

    def facet_function_selectors(self, facet: str) -> list[bytes]:
        return list(self._selectors.get(to_checksum_address(facet), []))

    def facet_addresses(self) -> list[str]:
        return list(self._facets)

    def facet_address(self, selector: bytes) -> str:
        return self._facet_of.get(bytes(selector), ZERO_ADDRESS)

    def selector_count(self) -> int:
        return len(self._facet_of)

    # -- cuts (each atomic) ----------------------------------------------------------------

    def cut(self, entries: Sequence[FacetCut]) -> None:
        """Applies a whole `diamondCut`; on `CutError` nothing changes."""
        staged = self.copy()
        for entry in entries:
            staged._apply(entry)
        self._facet_of, self._selectors, self._facets = staged._facet_of, staged._selectors, staged._facets

    def add(self, facet: str, selectors: Iterable[bytes]) -> None:
        self.cut([FacetCut.of(facet, FacetCutAction.ADD, selectors)])

    def replace(self, facet: str, selectors: Iterable[bytes]) -> None:
        self.cut([FacetCut.of(facet, FacetCutAction.REPLACE, selectors)])

    def remove(self, selectors: Iterable[bytes], facet: str = ZERO_ADDRESS) -> None:
        self.cut([FacetCut.of(facet, FacetCutAction.REMOVE, selectors)])

    def copy(self) -> LoupeModel:
        clone = copy.copy(self)
        clone._facet_of = dict(self._facet_of)
        clone._selectors = {facet: list(selectors) for facet, selectors in self._selectors.items()}
        clone._facets = list(self._facets)
        return clone

    # -- LibDiamond, step by step ----------------------------------------------------------

    def _apply(self, entry: FacetCut) -> None:
        if not entry.selectors:
            raise CutError("EmptyFacetCut", entry.facet)
        if entry.action == FacetCutAction.ADD:
            self._add_functions(entry.facet, entry.selectors)
        elif entry.action == FacetCutAction.REPLACE:
            self._replace_functions(entry.facet, entry.selectors)
        else:
            self._remove_functions(entry.facet, entry.selectors)

    def _add_functions(self, facet: str, selectors: Sequence[bytes]) -> None:
        if facet == ZERO_ADDRESS:
            raise CutError("ZeroFacetAddress", list(selectors))
        if not self._selectors.get(facet):
            self._add_facet(facet)
        for selector in selectors:
            current = self._facet_of.get(selector)
            if current is not None:
                raise CutError("SelectorAlreadyAdded", selector, current)
            self._add_function(selector, facet)

    def _replace_functions(self, facet: str, selectors: Sequence[bytes]) -> None:
        if facet == ZERO_ADDRESS:
            raise CutError("ZeroFacetAddress", list(selectors))
        if not self._selectors.get(facet):
            self._add_facet(facet)
        for selector in selectors:
            current = self._facet_of.get(selector)
            if current is None:
                raise CutError("SelectorNotFound", selector)
            if current == self.diamond:
                raise CutError("ImmutableFunction", selector)
            if current == facet:
                raise CutError("SameFacetReplace", selector, facet)
            self._remove_function(current, selector)
            self._add_function(selector, facet)

    def _remove_functions(self, facet: str, selectors: Sequence[bytes]) -> None:
        if facet != ZERO_ADDRESS:
            raise CutError("RemoveFacetMustBeZero", facet)
        for selector in selectors:
            current = self._facet_of.get(selector)
            if current is None:
                raise CutError("SelectorNotFound", selector)
            if current == self.diamond:
                raise CutError("ImmutableFunction", selector)
            self._remove_function(current, selector)

    def _add_facet(self, facet: str) -> None:
        if facet != self.diamond and not self._has_code(facet):
            raise CutError("NoCode", facet)
        self._selectors[facet] = []
        self._facets.append(facet)

    def _add_function(self, selector: bytes, facet: str) -> None:
        self._facet_of[selector] = facet
        self._selectors[facet].append(selector)

    def _remove_function(self, facet: str, selector: bytes) -> None:
        selectors = self._selectors[facet]
        position = selectors.index(selector)
        selectors[position] = selectors[-1]
        selectors.pop()
        del self._facet_of[selector]
        if not selectors:
            del self._selectors[facet]
            position = self._facets.index(facet)
            self._facets[position] = self._facets[-1]
            self._facets.pop()
