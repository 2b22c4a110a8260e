"""The diamond's GaslessRelayFacet through its compiled ABI, and a per-block cache of what validation reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from web3 import Web3

from keepers.chain.contracts import Contract, abi
from keepers.gasless.request import SignedRequest

RELAY = abi("GaslessRelayFacet")
# What the relayer forwards by default: MerkleRewardsFacet's claims.
CLAIM = abi("MerkleRewardsFacet").selector("claim")
CLAIM_MANY = abi("MerkleRewardsFacet").selector("claimMany")


def execute_calldata(signed: SignedRequest) -> bytes:
    """`execute(request, signature)`."""
    return RELAY.function("execute").encode(signed.request.as_tuple(), signed.signature)


class RelayContract:
    """Reads of the diamond's relay facet."""

    def __init__(self, w3: Web3, diamond: str):
        self.w3 = w3
        self.contract = Contract(w3, diamond, RELAY)
        self.address = self.contract.address

    def nonce(self, signer: str, block: int | str = "latest") -> int:
        return self.contract.call("nonces", signer, block=block)

    def relayable(self, selector: bytes) -> bool:
        return self.contract.call("relayable", selector)

    def domain_separator(self) -> bytes:
        return self.contract.call("relayDomainSeparator")


@dataclass
class ChainCache:
    """What validation reads, cached: nonces and the head's timestamp until the next block,
    allow-list answers for `relayable_ttl` seconds. `refresh()` (the submitter calls it each tick)
    moves to a new head; a nonce read between refreshes is at most one block old, and the
    submitter checks again against the chain before it sends anything."""

    contract: RelayContract
    relayable_ttl: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _head: tuple[int, int] = (-1, 0)  # (block number, timestamp)
    _nonces: dict[str, int] = field(default_factory=dict)
    _relayable: dict[bytes, tuple[bool, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self) -> int:
        """Read the head; a new block drops the cached nonces. Returns the head's number."""
        block = self.contract.w3.eth.get_block("latest")
        with self._lock:
            if block["number"] != self._head[0]:
                self._head = (block["number"], block["timestamp"])
                self._nonces.clear()
        return block["number"]

    @property
    def head(self) -> int:
        return self._head[0]

    def timestamp(self) -> int:
        if self._head[0] < 0:
            self.refresh()
        return self._head[1]

    def signer_nonce(self, signer: str) -> int:
        cached = self._nonces.get(signer)
        if cached is None:
            cached = self._nonces[signer] = self.contract.nonce(signer)
        return cached

    def forget_nonce(self, signer: str) -> None:
        self._nonces.pop(signer, None)

    def relayable(self, selector: bytes) -> bool:
        now = self.clock()
        cached = self._relayable.get(selector)
        if cached is None or cached[1] < now:
            cached = self._relayable[selector] = (self.contract.relayable(selector), now + self.relayable_ttl)
        return cached[0]

    def warm(self, timestamp: int, nonces: dict[str, int], relayable: dict[bytes, bool]) -> None:
        """Fill the cache without a node (benchmarks): as if a block at `timestamp` was just read."""
        with self._lock:
            self._head = (max(self._head[0], 0), timestamp)
            self._nonces.update(nonces)
            expires = self.clock() + 1e9
            self._relayable.update({s: (ok, expires) for s, ok in relayable.items()})
