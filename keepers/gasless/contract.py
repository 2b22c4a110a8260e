"""The diamond's GaslessRelayFacet with plain web3, and a per-block cache of what validation reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_abi import decode, encode
from eth_utils import keccak
from web3 import Web3

from keepers.gasless.request import SignedRequest

REQUEST_ABI = "(address,address,uint256,uint256,uint256,uint48,bytes)"
EXECUTE = keccak(text=f"execute({REQUEST_ABI},bytes)")[:4]
EXECUTE_BATCH = keccak(text=f"executeBatch({REQUEST_ABI}[],bytes[])")[:4]
# What the relayer forwards by default: MerkleRewardsFacet's claims.
CLAIM = keccak(text="claim(uint256,address,uint256,bytes32[])")[:4]
CLAIM_MANY = keccak(text="claimMany((uint256,address,uint256,bytes32[])[])")[:4]
# Custom errors a relayed claim can revert with (IGaslessRelay, IMerkleRewards, LibGuardian), by selector,
# so a failed request says why in words.
KNOWN_ERRORS = {
    keccak(text=signature)[:4]: signature
    for signature in (
        "RequestExpired(uint48,uint256)",
        "WrongTarget(address)",
        "MissingSelector(uint256)",
        "SelectorNotRelayable(bytes4)",
        "InvalidNonce(address,uint256,uint256)",
        "InvalidSigner(address,address)",
        "MismatchedValue(uint256,uint256)",
        "UnknownCampaign(uint256)",
        "NoClaimableRoot(uint256)",
        "InvalidProof(uint256,address,uint256)",
        "NothingToClaim(uint256,address,uint256,uint256)",
        "ClaimExceedsAllocation(uint256,uint256,uint256)",
        "EmptyClaims()",
        "ChildPaused()",
        "MasterPaused(address)",
        "ReentrancyGuardReentrantCall()",
    )
}


def describe_error(data: bytes) -> str | None:
    """`Name(arg, ...)` for a known custom error's revert data, else None."""
    signature = KNOWN_ERRORS.get(data[:4])
    if signature is None:
        return None
    name, types = signature[:-1].split("(", 1)
    types = [t for t in types.split(",") if t]
    try:
        values = decode(types, data[4:])
    except Exception:  # truncated data: name it without arguments
        return name
    shown = ["0x" + v.hex() if isinstance(v, bytes) else str(v) for v in values]
    return f"{name}({', '.join(shown)})"


def execute_calldata(signed: SignedRequest) -> bytes:
    """`execute(request, signature)`."""
    return EXECUTE + encode([REQUEST_ABI, "bytes"], [signed.request.as_tuple(), signed.signature])


class RelayContract:
    """Reads of the diamond's relay facet."""

    def __init__(self, w3: Web3, diamond: str):
        self.w3 = w3
        self.address = Web3.to_checksum_address(diamond)

    def _call(self, signature: str, types: list[str], args: list, out: list[str], block: int | str = "latest"):
        data = keccak(text=signature)[:4] + encode(types, args)
        return decode(out, bytes(self.w3.eth.call({"to": self.address, "data": data}, block)))

    def nonce(self, signer: str, block: int | str = "latest") -> int:
        return self._call("nonces(address)", ["address"], [signer], ["uint256"], block)[0]

    def relayable(self, selector: bytes) -> bool:
        return self._call("relayable(bytes4)", ["bytes4"], [selector], ["bool"])[0]

    def domain_separator(self) -> bytes:
        return self._call("relayDomainSeparator()", [], [], ["bytes32"])[0]


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
