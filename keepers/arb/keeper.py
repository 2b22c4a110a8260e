"""The arb keeper's per-block work: logs -> pool state -> sized cycles -> simulated txs -> bundle -> journal.

One `on_block(n)` call does, in order:
1. settle what earlier bundles did (receipts), so nothing that landed is sent again;
2. apply blocks' logs to the pool registry (new pools, new states);
3. re-size only the cycles through pools that changed;
4. for the best non-conflicting opportunities: simulate the exact call, drop on revert
   or on any difference from the prediction, sign with consecutive nonces;
5. pre-check the bundle with `eth_callBundle`, send it to every relay for blocks
   n+1..n+k, journal every step before taking the next.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import TransactionNotFound

from keepers.arb.execution import ArbExecutor, ArbOrder, SignedArb, realized_profit
from keepers.arb.journal import ArbJournal
from keepers.arb.registry import PoolRegistry
from keepers.bundles.client import RelayClient, RelayError
from keepers.markets.search import ArbSearch
from keepers.markets.sizing import FlashLoan, GasModel, Opportunity, SizingParams

log = logging.getLogger(__name__)

# Sizing's gas model only filters and ranks; submissions use the simulated gas.
DEFAULT_GAS_MODEL = GasModel(base=180_000, per_v2_hop=45_000, per_v3_hop=75_000)


@dataclass(frozen=True)
class ArbPlan:
    """What the keeper trades and how."""

    base_token: str
    lender: str  # own | balancer | aave
    loan: FlashLoan
    coinbase_bps: int = 0
    blocks_ahead: int = 3
    min_net_profit_wei: int = 0
    priority_fee_wei: int = 0
    max_per_block: int = 3
    max_hops: int = 3
    gas: GasModel = DEFAULT_GAS_MODEL
    only_pools: frozenset[str] | None = None  # restrict trading to these pools (still must be enabled on chain)


@dataclass
class BlockReport:
    """What one block's work did (also what the demo and the logs show)."""

    block: int
    changed_pools: int = 0
    opportunities: int = 0
    submitted: list[int] = field(default_factory=list)  # opportunity ids
    dropped: list[tuple[int, str]] = field(default_factory=list)
    landed: list[int] = field(default_factory=list)  # bundle ids
    expired: list[int] = field(default_factory=list)


class ArbKeeper:
    def __init__(
        self,
        w3: Web3,
        registry: PoolRegistry,
        executor: ArbExecutor,
        relays: RelayClient,
        journal: ArbJournal,
        plan: ArbPlan,
    ):
        self.w3 = w3
        self.registry = registry
        self.executor = executor
        self.relays = relays
        self.journal = journal
        self.plan = plan
        self.search: ArbSearch | None = None
        self.block: int | None = None
        self.enabled: set[str] = set()  # pools the child diamond will trade (registered and risk-allowed)
        self._checked: set[str] = set()

    @property
    def bot(self) -> LocalAccount:
        return self.executor.bot

    def start(self, head: int, on_progress=None) -> None:
        """Load and backfill the registry, read every pool at `head`, settle what was open before a restart."""
        self.registry.load()
        self.registry.backfill(head, on_progress)
        self.registry.read_states(head)
        self._rebuild_search(head)
        self.settle(head)
        self.block = head

    def _rebuild_search(self, block: int) -> None:
        new = set(self.registry.pools) - self._checked
        if self.plan.only_pools is not None:
            new &= self.plan.only_pools
        self.enabled |= {pool for pool in new if self.executor.pool_enabled(pool, block)}
        self._checked |= new
        base_fee = self._base_fee(block)
        params = SizingParams(base_fee_wei=base_fee, gas=self.plan.gas, loan=self.plan.loan)
        pools = [state for address, state in self.registry.states.items() if address in self.enabled]
        self.search = ArbSearch(pools, self.plan.base_token, params, self.plan.max_hops)
        self.search.refresh_all()

    def _base_fee(self, block: int) -> int:
        return int(self.w3.eth.get_block(block).get("baseFeePerGas", 0))

    # -- per block -------------------------------------------------------------------------

    def on_block(self, head: int) -> BlockReport:
        """Everything for a new head block (see the module docstring)."""
        report = BlockReport(head)
        self.settle(head, report)
        known = set(self.registry.pools)
        changed = self.registry.sync(head)
        report.changed_pools = len(changed)
        if set(self.registry.pools) != known:
            self._rebuild_search(head)  # new pools: their cycles must be enumerated
            moved = True
        else:
            assert self.search is not None
            # Profit is net of gas at this block's base fee: re-price before looking at changes.
            repriced = self.search.set_base_fee(self._base_fee(head))
            tradable = changed & self.enabled
            if tradable:
                self.search.apply(self.registry.states[a] for a in tradable)
                self.search.refresh(tradable)
            moved = bool(tradable or repriced)
        self.block = head
        # Unchanged opportunities were already tried; try again only when something moved.
        if moved or report.landed or report.expired:
            self._submit(head, report)
        self.journal.heartbeat(head)
        return report

    def _submit(self, head: int, report: BlockReport) -> None:
        assert self.search is not None
        candidates = self.search.select(self.plan.max_per_block)
        report.opportunities = len(candidates)
        if not candidates or self._in_flight(head):
            return
        block = self.w3.eth.get_block(head)
        base_fee = int(block.get("baseFeePerGas", 0))
        nonce = self.w3.eth.get_transaction_count(self.bot.address, head)
        signed: list[tuple[int, SignedArb]] = []
        for opportunity in candidates:
            order = self._order(opportunity)
            gas_cost_estimate = opportunity.gas_cost_wei
            opportunity_id = self.journal.found(head, order, gas_cost_estimate)
            if order.net_profit <= 0:
                self._drop(opportunity_id, "coinbase share leaves no profit", report)
                continue
            simulation = self.executor.simulate(order, head)
            if not simulation.ok:
                self._drop(opportunity_id, simulation.error or "simulation failed", report)
                continue
            gas_limit = simulation.gas * 6 // 5 + 10_000
            gas_cost = simulation.gas * (base_fee + self.plan.priority_fee_wei)
            after_gas = order.net_profit - gas_cost
            self.journal.mark(opportunity_id, "simulated", gas_estimate=simulation.gas, gas_cost=gas_cost)
            if after_gas < self.plan.min_net_profit_wei or after_gas <= 0:
                self._drop(opportunity_id, f"profit after gas {after_gas} below threshold", report)
                continue
            max_fee = 2 * base_fee + self.plan.priority_fee_wei
            signed.append(
                (
                    opportunity_id,
                    self.executor.sign(order, nonce + len(signed), gas_limit, max_fee, self.plan.priority_fee_wei),
                )
            )
        if not signed:
            return
        raw = [s.raw for _, s in signed]
        try:
            check = self.relays.call_bundle(raw, head + 1)
        except RelayError as err:
            for opportunity_id, _ in signed:
                self._drop(opportunity_id, f"eth_callBundle failed: {err}", report)
            return
        failed = [r for r in check.results if r.error]
        if failed:
            for opportunity_id, _ in signed:
                self._drop(opportunity_id, f"bundle pre-check: {failed[0].error} {failed[0].revert or ''}", report)
            return
        bundle_uuid = str(uuid.uuid4())
        first, last = head + 1, head + self.plan.blocks_ahead
        # Write ahead: a crash after sending still leaves the rows to settle from receipts.
        bundle_ids = [
            self.journal.submitting(
                opportunity_id, self.bot.address, s.nonce, s.tx_hash, "0x" + s.raw.hex(), first, last, bundle_uuid
            )
            for opportunity_id, s in signed
        ]
        submissions = self.relays.send_bundle_for_blocks(raw, first, self.plan.blocks_ahead)
        results = {
            str(sub.target_block): {a.url: (a.bundle_hash or str(a.error)) for a in sub.answers} for sub in submissions
        }
        accepted = any(sub.accepted for sub in submissions)
        for bundle_id, (opportunity_id, _) in zip(bundle_ids, signed, strict=True):
            self.journal.sent(bundle_id, results, accepted)
            if accepted:
                report.submitted.append(opportunity_id)
            else:
                report.dropped.append((opportunity_id, "no relay accepted the bundle"))

    def _order(self, opportunity: Opportunity) -> ArbOrder:
        return ArbOrder(
            cycle=opportunity.cycle,
            amount_in=opportunity.amount_in,
            lender=self.plan.lender,
            loan_fee=opportunity.loan_fee,
            amount_out=opportunity.amount_out,
            coinbase_bps=self.plan.coinbase_bps,
        )

    def _drop(self, opportunity_id: int, reason: str, report: BlockReport) -> None:
        self.journal.mark(opportunity_id, "dropped", reason)
        report.dropped.append((opportunity_id, reason))
        log.info("opportunity %s dropped: %s", opportunity_id, reason)

    def _in_flight(self, head: int) -> bool:
        """A settled-for-`head` bundle still open targets a later block: its nonce is taken until it
        lands or expires, so nothing new is signed meanwhile."""
        return bool(self.journal.open_bundles())

    # -- settlement ------------------------------------------------------------------------

    def settle(self, head: int, report: BlockReport | None = None) -> None:
        """Resolve open bundles from receipts: landed (with realized profit) or expired."""
        for bundle in self.journal.open_bundles():
            try:
                receipt = self.w3.eth.get_transaction_receipt(bundle.tx_hash)
            except TransactionNotFound:
                receipt = None
            if receipt is not None and receipt["blockNumber"] is not None and receipt["blockNumber"] <= head:
                profit = realized_profit(receipt, self.executor.child) if receipt["status"] == 1 else None
                self.journal.landed(
                    bundle.id,
                    receipt["blockNumber"],
                    receipt["gasUsed"],
                    int(receipt["effectiveGasPrice"]),
                    profit if profit is not None else 0,
                    reverted=receipt["status"] != 1,
                )
                if report is not None:
                    report.landed.append(bundle.id)
            elif head >= bundle.last_block:
                self.journal.expired(bundle.id, f"not included by block {bundle.last_block}")
                if report is not None:
                    report.expired.append(bundle.id)
