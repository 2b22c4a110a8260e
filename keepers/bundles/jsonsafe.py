"""Parse JSON from the network without letting its shape crash the process.

The C JSON parser recurses once per nesting level. Python normally stops it at
the recursion limit, but Ape raises that limit to 100000, and a body nested that
deep overflows a thread's C stack: the process dies with SIGSEGV instead of
raising. Both ends of the relay protocol parse untrusted JSON in worker threads,
so they check the nesting first, in one linear pass that runs mostly in C.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

MAX_DEPTH = 64  # a bundle request or response nests 4 or 5 deep

_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*+"', re.DOTALL)  # after an opening quote, through the closing one
_STEP = bytes(1 if b in b"[{" else 0xFF if b in b"]}" else 0 for b in range(256))  # +1, -1 (as signed), 0


class JSONTooDeep(ValueError):
    """JSON nested deeper than allowed."""


def nesting_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit`` (brackets inside strings do not count)."""
    outside_strings = []
    position = 0
    while (quote := body.find(b'"', position)) != -1:
        outside_strings.append(body[position:quote])
        rest = _STRING_REST.match(body, quote + 1)
        if rest is None:  # unterminated string: not JSON, and the parser will say so
            return False
        position = rest.end()
    outside_strings.append(body[position:])
    steps = b"".join(outside_strings).translate(_STEP).replace(b"\x00", b"")
    return max(itertools.accumulate(memoryview(steps).cast("b")), default=0) > limit


def loads(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses bodies nested deeper than ``max_depth``; raises ``ValueError``."""
    if nesting_exceeds(body, max_depth):
        raise JSONTooDeep(f"JSON nested deeper than {max_depth}")
    try:
        return json.loads(body)
    except RecursionError:
        raise JSONTooDeep("JSON nested too deep") from None
