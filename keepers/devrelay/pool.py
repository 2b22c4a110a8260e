"""Bundles waiting for their target block, as the devrelay keeps them.

A bundle is keyed by (bundle hash, target block, signer): the same bundle sent
again replaces itself. A bundle with a ``replacementUuid`` replaces every
earlier bundle its signer sent with that uuid, whatever their target blocks,
and ``eth_cancelBundle`` removes them; another signer's uuid is never touched.
"""

from __future__ import annotations

import itertools
import threading

from keepers.bundles.transactions import Bundle


class PoolFull(Exception):
    """The pool holds as many bundles as it may."""


class BundlePool:
    """Bundles waiting for their target block, keyed by (hash, block, signer)."""

    def __init__(self, limit: int):
        self._limit = limit
        self._bundles: dict[tuple[str, int, str], Bundle] = {}
        self._sequence = itertools.count()
        self._lock = threading.Lock()

    def next_sequence(self) -> int:
        with self._lock:
            return next(self._sequence)

    def add(self, bundle: Bundle) -> int:
        """Queue ``bundle``; returns how many bundles it replaced (same signer and replacement uuid)."""
        with self._lock:
            replaced = 0
            if bundle.replacement_uuid is not None:
                replaced = len(self._remove(bundle.signer, bundle.replacement_uuid))
            key = (bundle.bundle_hash, bundle.block_number, bundle.signer)
            if key not in self._bundles and len(self._bundles) >= self._limit:
                raise PoolFull(f"too many pending bundles (limit {self._limit})")
            self._bundles[key] = bundle
            return replaced

    def cancel(self, signer: str, replacement_uuid: str) -> list[str]:
        """Drop ``signer``'s bundles with ``replacement_uuid``; returns their hashes."""
        with self._lock:
            return self._remove(signer, replacement_uuid)

    def _remove(self, signer: str, replacement_uuid: str) -> list[str]:
        keys = [
            key
            for key, bundle in self._bundles.items()
            if bundle.signer == signer and bundle.replacement_uuid == replacement_uuid
        ]
        for key in keys:
            del self._bundles[key]
        return [bundle_hash for bundle_hash, _, _ in keys]

    def eligible(self, number: int, timestamp: int) -> list[Bundle]:
        with self._lock:
            found = [b for b in self._bundles.values() if b.eligible_at(number, timestamp)]
        return sorted(found, key=lambda bundle: bundle.sequence)

    def prune(self, mined: int) -> None:
        """Forget the bundles whose target block has been mined, included or not."""
        with self._lock:
            for key in [key for key, bundle in self._bundles.items() if bundle.block_number <= mined]:
                del self._bundles[key]

    def pending(self) -> list[Bundle]:
        with self._lock:
            return sorted(self._bundles.values(), key=lambda bundle: bundle.sequence)
