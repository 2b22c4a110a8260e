"""Nesting checks before JSON parsing (a deep body must not crash a thread under Ape's recursion limit)."""

from __future__ import annotations

import json
import time

import pytest

from keepers.bundles.jsonsafe import JSONTooDeep, loads, nesting_exceeds


@pytest.mark.parametrize(
    "body, deep",
    [
        (b"[" * 64 + b"]" * 64, False),
        (b"[" * 65 + b"]" * 65, True),
        (b'{"a":' * 65 + b"1" + b"}" * 65, True),
        (b"[" * 100, True),  # unbalanced still counts
        (json.dumps({"a": "[" * 100, "b": '\\"{{{{'}).encode(), False),
        (b'"\\\\"' + b"[" * 65, True),  # an escaped backslash ends the string
        (b'"\\"' + b"[" * 65, False),  # an escaped quote does not: the string never ends
        (b"", False),
    ],
)
def test_nesting(body, deep):
    assert nesting_exceeds(body, 64) is deep


def test_bodies_built_to_be_slow_are_linear():
    mib = 1 << 20
    started = time.monotonic()
    for body in (b'"' + b'\\"' * (mib // 2), b'""' * (mib // 2), b"[]" * (mib // 2), b"[" * mib):
        nesting_exceeds(body, 64)
    assert time.monotonic() - started < 5


def test_loads():
    assert loads(b'{"a": [1, {"b": "]]]"}]}') == {"a": [1, {"b": "]]]"}]}
    with pytest.raises(JSONTooDeep):
        loads(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError):
        loads(b"{")
