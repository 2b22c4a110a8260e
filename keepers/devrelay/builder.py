"""Build one block on anvil from bundles and the public mempool, all of a bundle or none of it.

Anvil has no block-builder API, so the builder drives two anvil nodes: the
*chain* (automine off, ``--order fifo``: a block holds pool transactions in the
order they were submitted) and a private *simulator*, an anvil forked from the
chain at the parent block, where bundles are tried out of everyone's sight.

1. The simulator is reset onto the chain's latest block (for ``eth_callBundle``,
   onto the block the caller chose), with the chain's coinbase and the base fee
   of the block after it.
2. Each candidate bundle is *trialled* on the simulator: under ``evm_snapshot``
   its transactions are submitted and one block is mined at the target
   timestamp; receipts tell whether every transaction was included and which
   reverted, the coinbase balance what the bundle pays; then ``evm_revert``.
3. Bundles are ranked by payment to the coinbase per gas (Flashbots' rule:
   coinbase balance difference over gas used, so priority fees and direct
   transfers both count) and merged greedily: each next bundle is trialled
   again on top of the bundles already accepted and dropped if it no longer
   executes as its sender required (a transaction reverts that is not in its
   ``revertingTxHashes``, or its nonce is already taken).
4. On the chain, the public transactions waiting in the pool are taken out
   (bytes kept), the accepted bundle transactions are submitted in order, the
   public ones after them, and the block is mined once. It is then checked
   (bundle transactions on top, in order, with the outcomes the trials showed);
   if a transaction sent straight to the node got in the way, the block is rolled
   back and mined again without bundles.

So the chain only ever shows real blocks; a reader polling anvil directly sees
no trial. One anvil quirk is handled here: its pool checks a sender's balance
against the *current* state, so a transaction funded by an earlier one of the
same bundle is admitted by topping the sender up just for the admission check
(the balance is restored before the block executes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from keepers.bundles.transactions import Bundle, RawTransaction, from_hex
from keepers.chain.contracts import describe_revert
from keepers.devrelay.node import NodeError, NodeRpc

log = logging.getLogger(__name__)

REVERTED = "execution reverted"


class BuildError(Exception):
    """The node did something the builder cannot work around."""


@dataclass(frozen=True)
class BlockHeader:
    number: int
    hash: str
    timestamp: int
    base_fee: int
    coinbase: str
    transactions: tuple[str, ...]

    @classmethod
    def from_rpc(cls, block: dict[str, Any]) -> BlockHeader:
        return cls(
            number=int(block["number"], 16),
            hash=block["hash"],
            timestamp=int(block["timestamp"], 16),
            base_fee=int(block.get("baseFeePerGas") or "0x0", 16),
            coinbase=block["miner"],
            transactions=tuple(tx if isinstance(tx, str) else tx["hash"] for tx in block["transactions"]),
        )


@dataclass(frozen=True)
class TxOutcome:
    """What one bundle transaction did in a trial block."""

    tx: RawTransaction
    to: str | None
    gas_used: int
    success: bool
    gas_fees: int  # gas used times the effective priority fee: the coinbase's share of the fee
    coinbase_diff: int | None = None  # only when traced
    output: bytes = b""  # return data, or revert data; only when traced or failed
    error: str | None = None

    @property
    def revert_reason(self) -> str | None:
        return describe_revert(self.output) if not self.success else None


@dataclass(frozen=True)
class Simulation:
    """A bundle trialled on top of a prefix of transactions, in one block."""

    block: BlockHeader | None
    outcomes: tuple[TxOutcome, ...] = ()
    coinbase_diff: int | None = None  # what the bundle paid the coinbase; known without a prefix or when traced
    failure: str | None = None  # the bundle could not be executed at all

    @property
    def gas_used(self) -> int:
        return sum(outcome.gas_used for outcome in self.outcomes)

    def rejection(self, allowed_reverts: Iterable[str] = ()) -> str | None:
        """Why a builder must not include this bundle, or ``None``."""
        if self.failure is not None:
            return self.failure
        allowed = set(allowed_reverts)
        for outcome in self.outcomes:
            if not outcome.success and outcome.tx.hash not in allowed:
                reason = outcome.revert_reason
                return f"tx {outcome.tx.hash} reverted" + (f": {reason}" if reason else "")
        return None


@dataclass(frozen=True)
class BuiltBlock:
    """A block the builder mined: which bundles made it and why the others did not."""

    number: int
    hash: str
    timestamp: int
    transactions: tuple[str, ...]
    included: tuple[str, ...] = ()  # bundle hashes, in block order
    dropped: dict[str, str] = field(default_factory=dict)  # bundle hash -> reason


class BlockBuilder:
    """Builds blocks on an anvil ``chain`` (automine off, ``--order fifo``), trialling bundles on ``simulator``.

    ``simulator`` is an anvil started with ``--fork-url`` pointing at the chain; the
    builder re-forks it onto the chain's latest block (or a call's state block) before
    every build or call.
    """

    def __init__(self, chain: NodeRpc, simulator: NodeRpc):
        self._chain = chain
        self._simulator = simulator
        self._held: list[RawTransaction] = []  # public transactions taken out of the chain's pool while sealing
        self._next_base_fee = "0x0"

    # -- the two entry points ------------------------------------------------------------------

    def build(self, bundles: Sequence[Bundle], timestamp: int) -> BuiltBlock:
        """Mine the next block at ``timestamp`` with the best non-conflicting ``bundles`` on top."""
        parent = self._parent(timestamp)
        if not bundles:
            self._restore_public()
            self._mine(self._chain, timestamp)
            return self._built(parent.number + 1)
        self._fork(parent)
        accepted, dropped = self._select(bundles, timestamp)
        return self._seal(parent, accepted, dropped, timestamp)

    def call(self, txs: Sequence[RawTransaction], timestamp: int, state: BlockHeader | None = None) -> Simulation:
        """Trial ``txs`` on top of ``state`` (default: the chain's latest block), traced per transaction.

        The chain is untouched. ``state`` may be any block the chain still holds the state of."""
        if state is None:
            state = self._parent(timestamp)
        elif timestamp <= state.timestamp:
            raise BuildError(f"timestamp {timestamp} is not after block {state.number}'s {state.timestamp}")
        self._fork(state)
        return self._simulate(txs, timestamp, trace=True)

    def _parent(self, timestamp: int) -> BlockHeader:
        parent = self.header("latest")
        if timestamp <= parent.timestamp:
            raise BuildError(f"timestamp {timestamp} is not after the latest block's {parent.timestamp}")
        return parent

    def _fork(self, parent: BlockHeader) -> None:
        """Point the simulator at ``parent``, with the block environment the chain will use next."""
        forking = {"jsonRpcUrl": self._chain.url, "blockNumber": parent.number}
        self._simulator.call("anvil_reset", {"forking": forking})
        self._simulator.call("anvil_setCoinbase", self._chain.call("eth_coinbase"))
        # A fork mines its first block at the fork block's base fee; the chain applies EIP-1559.
        self._next_base_fee = self._chain.call("eth_feeHistory", 1, hex(parent.number), [])["baseFeePerGas"][-1]

    # -- trials --------------------------------------------------------------------------------

    def _simulate(
        self,
        txs: Sequence[RawTransaction],
        timestamp: int,
        prefix: Sequence[RawTransaction] = (),
        *,
        trace: bool = False,
    ) -> Simulation:
        """On the simulator, mine ``prefix + txs`` in one block, read what ``txs`` did, and revert."""
        snapshot = self._simulator.call("evm_snapshot")
        try:
            return self._trial(txs, prefix, timestamp, trace)
        finally:
            self._simulator.call("evm_revert", snapshot)
            # Transactions the trial block did not take stay in the pool across a revert.
            self._drop(self._simulator, [tx.hash for tx in (*prefix, *txs)])

    def _trial(
        self, txs: Sequence[RawTransaction], prefix: Sequence[RawTransaction], timestamp: int, trace: bool
    ) -> Simulation:
        node = self._simulator
        parent = self.header("latest", node)
        node.call("anvil_setNextBlockBaseFeePerGas", self._next_base_fee)  # pool admission checks it too
        for tx in prefix:
            self._submit(node, tx)
        for tx in txs:
            try:
                self._submit(node, tx)
            except NodeError as err:
                return Simulation(block=None, failure=f"tx {tx.hash} refused: {err.message}")
        self._mine(node, timestamp)
        block = self.header(hex(parent.number + 1), node)
        mined = set(block.transactions)
        missing = [tx.hash for tx in txs if tx.hash not in mined]
        if missing:
            failure = f"tx {missing[0]} was not included (nonce, fee cap below base fee, or block gas limit)"
            return Simulation(block=block, failure=failure)
        if list(block.transactions) != [tx.hash for tx in (*prefix, *txs)]:
            return Simulation(block=block, failure="the node reordered the bundle's transactions")

        receipts = [node.call("eth_getTransactionReceipt", tx.hash) for tx in txs]
        failed = any(int(receipt["status"], 16) != 1 for receipt in receipts)
        calls = self._trace(block, "callTracer") if trace or failed else {}
        diffs = self._trace(block, "prestateTracer", {"diffMode": True}) if trace else {}
        outcomes = tuple(
            self._outcome(tx, receipt, block, calls.get(tx.hash), diffs.get(tx.hash))
            for tx, receipt in zip(txs, receipts, strict=True)
        )
        if trace:
            coinbase_diff = sum(outcome.coinbase_diff or 0 for outcome in outcomes)
        elif not prefix:
            after = self._balance(node, block.coinbase, block.number)
            coinbase_diff = after - self._balance(node, block.coinbase, parent.number)
        else:
            coinbase_diff = None
        return Simulation(block=block, outcomes=outcomes, coinbase_diff=coinbase_diff)

    def _outcome(
        self,
        tx: RawTransaction,
        receipt: dict[str, Any],
        block: BlockHeader,
        call: dict[str, Any] | None,
        diff: dict[str, Any] | None,
    ) -> TxOutcome:
        gas_used = int(receipt["gasUsed"], 16)
        tip = int(receipt["effectiveGasPrice"], 16) - block.base_fee
        success = int(receipt["status"], 16) == 1
        output = from_hex(call.get("output") or "0x") if call else b""
        return TxOutcome(
            tx=tx,
            to=receipt.get("to"),
            gas_used=gas_used,
            success=success,
            gas_fees=gas_used * tip,
            coinbase_diff=_balance_change(diff, block.coinbase) if diff is not None else None,
            output=output,
            error=None if success else ((call or {}).get("error") or REVERTED),
        )

    def _trace(self, block: BlockHeader, tracer: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {"tracer": tracer}
        if config:
            options["tracerConfig"] = config
        traces = self._simulator.call("debug_traceBlockByNumber", hex(block.number), options) or []
        return {
            (trace.get("txHash") or tx_hash).lower(): trace.get("result")
            for trace, tx_hash in zip(traces, block.transactions, strict=False)
        }

    # -- selection and sealing -----------------------------------------------------------------

    def _select(self, bundles: Sequence[Bundle], timestamp: int) -> tuple[list[Bundle], dict[str, str]]:
        dropped: dict[str, str] = {}
        ranked: list[tuple[Fraction, Bundle]] = []
        for bundle in bundles:
            simulation = self._simulate(bundle.txs, timestamp)
            reason = simulation.rejection(bundle.reverting_tx_hashes)
            if reason is not None:
                dropped[bundle.bundle_hash] = reason
                continue
            score = Fraction(simulation.coinbase_diff or 0, max(simulation.gas_used, 1))
            log.info(
                "bundle.simulated hash=%s gas=%d coinbase_diff=%d score=%.3f",
                bundle.bundle_hash,
                simulation.gas_used,
                simulation.coinbase_diff or 0,
                float(score),
            )
            ranked.append((score, bundle))
        ranked.sort(key=lambda item: (-item[0], item[1].sequence))

        accepted: list[Bundle] = []
        prefix: list[RawTransaction] = []
        for _, bundle in ranked:
            if accepted:
                taken = {(tx.sender, tx.nonce) for tx in prefix}
                clash = next((tx for tx in bundle.txs if (tx.sender, tx.nonce) in taken), None)
                if clash is not None:
                    dropped[bundle.bundle_hash] = (
                        f"nonce {clash.nonce} of {clash.sender} is already used by a better-paying bundle"
                    )
                    continue
                reason = self._simulate(bundle.txs, timestamp, prefix).rejection(bundle.reverting_tx_hashes)
                if reason is not None:
                    dropped[bundle.bundle_hash] = f"conflicts with a better-paying bundle: {reason}"
                    continue
            accepted.append(bundle)
            prefix.extend(bundle.txs)
        return accepted, dropped

    def _seal(self, parent: BlockHeader, accepted: list[Bundle], dropped: dict[str, str], timestamp: int) -> BuiltBlock:
        chain = self._chain
        self._held.extend(self._drain())
        prefix = [tx for bundle in accepted for tx in bundle.txs]
        sent: list[str] = []
        try:
            for tx in prefix:
                self._submit(chain, tx)
                sent.append(tx.hash)
        except NodeError as err:  # the trials said it would go in: the chain changed under us
            self._drop(chain, sent)
            dropped.update({b.bundle_hash: f"refused when sealing: {err.message}" for b in accepted})
            accepted, prefix = [], []
        self._restore_public(taken={(tx.sender, tx.nonce) for tx in prefix})
        self._mine(chain, timestamp)
        block = self.header(hex(parent.number + 1))
        problem = self._check(block, accepted)
        if problem is not None:
            log.error("block.rebuilt number=%d reason=%s", block.number, problem)
            self._hold(h for h in block.transactions if h not in {tx.hash for tx in prefix})
            chain.call("anvil_rollback", 1)
            self._drop(chain, [tx.hash for tx in prefix])
            self._restore_public()
            self._mine(chain, timestamp)
            dropped.update({b.bundle_hash: f"block check failed: {problem}" for b in accepted})
            accepted = []
        built = self._built(parent.number + 1, accepted, dropped)
        for bundle_hash in built.included:
            log.info("bundle.included hash=%s block=%d", bundle_hash, built.number)
        for bundle_hash, reason in dropped.items():
            log.info("bundle.dropped hash=%s block=%d reason=%s", bundle_hash, built.number, reason)
        return built

    def _check(self, block: BlockHeader, accepted: list[Bundle]) -> str | None:
        expected = [tx.hash for bundle in accepted for tx in bundle.txs]
        if list(block.transactions[: len(expected)]) != expected:
            return "bundle transactions are not at the top of the block in order"
        for bundle in accepted:
            for tx in bundle.txs:
                receipt = self._chain.call("eth_getTransactionReceipt", tx.hash)
                if int(receipt["status"], 16) != 1 and tx.hash not in bundle.reverting_tx_hashes:
                    return f"tx {tx.hash} reverted in the sealed block"
        return None

    def _built(self, number: int, accepted: Sequence[Bundle] = (), dropped: dict[str, str] | None = None) -> BuiltBlock:
        block = self.header(hex(number))
        return BuiltBlock(
            number=block.number,
            hash=block.hash,
            timestamp=block.timestamp,
            transactions=block.transactions,
            included=tuple(bundle.bundle_hash for bundle in accepted),
            dropped=dict(dropped or {}),
        )

    # -- the chain's pool ----------------------------------------------------------------------

    def _drain(self, rounds: int = 5) -> list[RawTransaction]:
        """Take every transaction out of the chain's pool, keeping its bytes (pending first, by sender and
        nonce). Senders keep sending meanwhile: the pool is read again until it is found empty (a few
        rounds at most), since a transaction left in it would be mined ahead of the bundles."""
        held: list[RawTransaction] = []
        for _ in range(rounds):
            content = self._chain.call("txpool_content") or {}
            hashes = [
                tx["hash"]
                for section in ("pending", "queued")
                for _, by_nonce in sorted((content.get(section) or {}).items())
                for _, tx in sorted(by_nonce.items(), key=lambda item: int(item[0]))
            ]
            if not hashes:
                break
            held += [tx for tx in map(self._raw, hashes) if tx is not None]
            self._drop(self._chain, hashes)
        return held

    def _hold(self, hashes: Iterable[str]) -> None:
        """Keep the bytes of transactions that are about to vanish with a rolled-back block."""
        self._held.extend(tx for tx in map(self._raw, hashes) if tx is not None)

    def _restore_public(self, taken: Set[tuple[str, int]] = frozenset()) -> None:
        """Give the held public transactions back to the chain's pool, after whatever was submitted before them."""
        held, self._held = self._held, []
        for tx in held:
            if (tx.sender, tx.nonce) in taken:
                log.info("public_tx.dropped hash=%s reason=nonce taken by a bundle", tx.hash)
                continue
            try:
                self._chain.call("eth_sendRawTransaction", "0x" + tx.raw.hex())
            except NodeError as err:
                log.info("public_tx.dropped hash=%s reason=%s", tx.hash, err.message)

    def _submit(self, node: NodeRpc, tx: RawTransaction) -> None:
        """Put a bundle transaction into ``node``'s pool, even if an earlier bundle transaction funds its sender."""
        raw = "0x" + tx.raw.hex()
        try:
            node.call("eth_sendRawTransaction", raw)
            return
        except NodeError as err:
            if "insufficient funds" not in err.message.lower():
                raise
        balance = self._balance(node, tx.sender, "latest")
        node.call("anvil_setBalance", tx.sender, hex(balance + tx.max_cost))
        try:
            node.call("eth_sendRawTransaction", raw)
        finally:
            node.call("anvil_setBalance", tx.sender, hex(balance))

    @staticmethod
    def _drop(node: NodeRpc, hashes: Iterable[str]) -> None:
        for h in hashes:
            try:
                node.call("anvil_dropTransaction", h)
            except NodeError:
                pass

    def _raw(self, h: str) -> RawTransaction | None:
        raw = self._chain.call("eth_getRawTransactionByHash", h)
        return RawTransaction.decode(from_hex(raw)) if raw else None

    # -- reads ---------------------------------------------------------------------------------

    def header(self, tag: str, node: NodeRpc | None = None) -> BlockHeader:
        """A block of the chain (or of ``node``)."""
        block = (node or self._chain).call("eth_getBlockByNumber", tag, False)
        if block is None:
            raise BuildError(f"the node has no block {tag}")
        return BlockHeader.from_rpc(block)

    @staticmethod
    def _balance(node: NodeRpc, address: str, tag: str | int) -> int:
        return int(node.call("eth_getBalance", address, hex(tag) if isinstance(tag, int) else tag), 16)

    @staticmethod
    def _mine(node: NodeRpc, timestamp: int) -> None:
        node.call("evm_mine", {"timestamp": timestamp})


def _balance_change(diff: dict[str, Any], address: str) -> int:
    """An account's balance change in a prestate-tracer diff (accounts absent from ``post`` did not change)."""
    address = address.lower()
    post = (diff.get("post") or {}).get(address) or {}
    if "balance" not in post:
        return 0
    pre = (diff.get("pre") or {}).get(address) or {}
    return int(post["balance"], 16) - int(pre.get("balance", "0x0"), 16)
