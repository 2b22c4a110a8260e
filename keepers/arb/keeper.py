"""The arb keeper's per-block work: logs -> pool state -> sized cycles -> simulated txs -> bundle -> journal.

One `on_block(n)` call does, in order:
1. let the bot's TxSender settle its transactions (receipts, expired bundles, freed nonces), then
   settle earlier bundles from it, so nothing that landed is sent again;
2. apply blocks' logs to the pool registry (new pools, new states);
3. re-bound only the cycles through pools that changed, found around them (new pools join the
   search one by one: nothing is rebuilt);
4. unless a bundle is still in flight, take the best non-conflicting opportunities: simulate the
   exact call, drop on revert or on any difference from the prediction, and have the TxSender
   sign them with consecutive nonces from the bot's one reservation (journaled before anything
   leaves the process);
5. pre-check the bundle with `eth_callBundle`, journal it, send it to every relay for blocks
   n+1..n+k, journal what the relays answered.
A standing opportunity is tried again every block until it is taken or gone: a bundle that
expired, a restart, or a block in which nothing changed never leave it behind. Only an
opportunity dropped at exactly the same size, output and base fee is not simulated again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import TransactionNotFound

from keepers.arb.execution import ArbExecutor, ArbOrder, realized_profit
from keepers.arb.journal import ArbJournal, OpenBundle
from keepers.arb.registry import PoolRegistry
from keepers.bundles.client import RelayClient, RelayError
from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import next_base_fee
from keepers.chain.journal import SentTx
from keepers.chain.sender import Call, TxSender, gas_limit
from keepers.markets.search import ArbSearch
from keepers.markets.sizing import FlashLoan, GasModel, Opportunity, SizingParams, cycle_amounts

log = logging.getLogger(__name__)

# Sizing's gas model only filters and ranks; submissions use the simulated gas.
DEFAULT_GAS_MODEL = GasModel(base=180_000, per_v2_hop=45_000, per_v3_hop=75_000)
MEMO_LIMIT = 4_096


def bundle_purpose(opportunity_id: int) -> str:
    """The TxSender purpose of an opportunity's transaction: one landing per opportunity."""
    return f"arb:opportunity:{opportunity_id}"


@dataclass(frozen=True)
class ArbPlan:
    """What the keeper trades and how."""

    base_token: str
    lender: str  # own | balancer | aave
    loan: FlashLoan
    coinbase_bps: int = 0
    blocks_ahead: int = 1
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
        sender: TxSender,
        relays: RelayClient,
        journal: ArbJournal,
        plan: ArbPlan,
        faults: Faults = NO_FAULTS,
    ):
        self.w3 = w3
        self.registry = registry
        self.executor = executor
        self.sender = sender
        self.relays = relays
        self.journal = journal
        self.plan = plan
        self.faults = faults
        self.search: ArbSearch | None = None
        self.block: int | None = None
        self.enabled: set[str] = set()  # pools the child diamond will trade (registered and risk-allowed)
        self._checked: set[str] = set()
        self._dropped: set[tuple] = set()  # opportunities dropped as they are: not simulated again

    @property
    def bot(self) -> LocalAccount:
        return self.sender.account

    def start(self, head: int, on_progress=None) -> None:
        """Start the registry (pools from the store, discovery, states from its journal caught up by
        logs), build the search over every enabled pool, settle what was open before a restart
        (bundles journaled but never sent reach the relays now if their blocks are ahead)."""
        self.registry.start(head, on_progress)
        self._build_search(head)
        self.sender.start()
        self.settle(head)
        self._resend_unsent(head)
        self.block = head

    def _build_search(self, block: int) -> None:
        """The search over every enabled pool, from scratch (start-up only)."""
        self._enable(set(self.registry.pools), block)
        params = SizingParams(base_fee_wei=self._base_fee(block), gas=self.plan.gas, loan=self.plan.loan)
        pools = [state for address, state in self.registry.states.items() if address in self.enabled]
        self.search = ArbSearch(pools, self.plan.base_token, params, self.plan.max_hops)
        self.search.refresh_all()

    def _enable(self, pools: set[str], block: int) -> set[str]:
        """Which of these pools, not seen before, the child diamond will trade; returns them."""
        new = pools - self._checked if self._checked else set(pools)
        if self.plan.only_pools is not None:
            new &= self.plan.only_pools
        enabled = {pool for pool in new if self.executor.pool_enabled(pool, block)}
        self.enabled |= enabled
        self._checked |= new
        return enabled

    def _reconfigured(self, first: int, last: int) -> tuple[set[str], set[str]]:
        """Known pools the child's owner enabled or disabled in first..last: (now tradable, no longer)."""
        enabled: set[str] = set()
        disabled: set[str] = set()
        for pool in self.executor.pools_reconfigured(first, last):
            if pool not in self.registry.states or pool not in self._checked:
                continue  # not discovered yet (checked when it is), or not ours to trade
            if self.plan.only_pools is not None and pool not in self.plan.only_pools:
                continue
            if self.executor.pool_enabled(pool, last):
                if pool not in self.enabled:
                    enabled.add(pool)
            elif pool in self.enabled:
                disabled.add(pool)
        self.enabled = (self.enabled | enabled) - disabled
        return enabled, disabled

    def _base_fee(self, block: int) -> int:
        return int(self.w3.eth.get_block(block).get("baseFeePerGas", 0))

    # -- per block -------------------------------------------------------------------------

    def on_block(self, head: int) -> BlockReport:
        """Everything for a new head block (see the module docstring)."""
        report = BlockReport(head)
        self.sender.poll(head)
        self.settle(head, report)
        previous = self.block if self.block is not None else head
        changed = self.registry.sync(head)
        report.changed_pools = len(changed)
        assert self.search is not None
        # Profit is net of gas at this block's base fee: re-price before looking at changes.
        self.search.set_base_fee(self._base_fee(head))
        new = self._enable(changed, head)  # pools discovered in these blocks are among the changed
        enabled, disabled = self._reconfigured(previous + 1, head)
        tradable = (changed & self.enabled) - new - enabled
        if tradable:
            self.search.refresh(self.search.apply(self.registry.states[a] for a in tradable))
        if disabled:
            self.search.remove_pools(disabled)
        if new | enabled:  # their cycles are found around them: nothing is rebuilt
            self.search.add_pools(self.registry.states[a] for a in sorted(new | enabled))
        self.block = head
        self.registry.snapshot()  # every `snapshot_every` blocks: what changed since the last one
        self._submit(head, report)
        self.journal.heartbeat(head)
        return report

    def _submit(self, head: int, report: BlockReport) -> None:
        assert self.search is not None
        if self.journal.open_bundles():
            return  # its nonce is taken until it lands or expires
        candidates = self.search.select(self.plan.max_per_block)
        report.opportunities = len(candidates)
        if not candidates:
            return
        block = self.w3.eth.get_block(head)
        base_fee = int(block.get("baseFeePerGas", 0))
        planned: list[tuple[int, Call]] = []
        for opportunity in candidates:
            order = self._order(opportunity)
            memo = (tuple(h.pool for h in order.cycle.hops), order.amount_in, order.amount_out, base_fee)
            if memo in self._dropped:
                continue
            opportunity_id = self.journal.found(head, order, opportunity.gas_cost_wei)
            self.faults.point("arb.found")
            reason, gas = self._check(opportunity_id, order, head, base_fee)
            if reason is not None:
                self._drop(opportunity_id, reason, report, memo)
                continue
            planned.append((opportunity_id, Call(self.executor.child.address, order.calldata(), 0, gas)))
        if not planned:
            return
        fees = self.sender.policy.fees(
            next_base_fee(base_fee, int(block["gasUsed"]), int(block["gasLimit"])), self.plan.priority_fee_wei
        )
        first, last = head + 1, head + self.plan.blocks_ahead
        signed = self.sender.sign_bundle([(bundle_purpose(i), call) for i, call in planned], fees, valid_until=last)
        ids = [i for i, _ in planned]
        raw = [tx.raw for tx in signed]
        try:
            check = self.relays.call_bundle(raw, head + 1)
            failed = [r for r in check.results if r.error]
            problem = f"bundle pre-check: {failed[0].error} {failed[0].revert or ''}" if failed else None
        except RelayError as err:
            problem = f"eth_callBundle failed: {err}"
        if problem is not None:
            self.sender.abandon(signed, problem)
            for opportunity_id in ids:
                self._drop(opportunity_id, problem, report)
            return
        bundle_uuid = str(uuid.uuid4())
        # Write ahead: a crash after sending still leaves the rows to settle from the sender's journal.
        bundle_ids = [
            self.journal.submitting(i, tx.sender, tx.nonce, tx.tx_hash, tx.latest.raw_tx, first, last, bundle_uuid)
            for i, tx in zip(ids, signed, strict=True)
        ]
        self.faults.point("arb.signed")
        self._relay(bundle_ids, ids, raw, first, report)

    def _check(self, opportunity_id: int, order: ArbOrder, head: int, base_fee: int) -> tuple[str | None, int]:
        """Why the opportunity is not worth sending (None: it is), and the gas limit to send it with."""
        if order.net_profit <= 0:
            return "coinbase share leaves no profit", 0
        simulation = self.executor.simulate(order, head)
        if not simulation.ok:
            return simulation.error or "simulation failed", 0
        gas_cost = simulation.gas * (base_fee + self.plan.priority_fee_wei)
        after_gas = order.net_profit - gas_cost
        self.journal.mark(opportunity_id, "simulated", gas_estimate=simulation.gas, gas_cost=gas_cost)
        if after_gas < self.plan.min_net_profit_wei or after_gas <= 0:
            return f"profit after gas {after_gas} below threshold", 0
        return None, gas_limit(simulation.gas)

    def _relay(self, bundle_ids: list[int], ids: list[int], raw: list[bytes], first: int, report: BlockReport) -> None:
        submissions = self.relays.send_bundle_for_blocks(raw, first, self.plan.blocks_ahead)
        self.faults.point("arb.relayed")
        results = {
            str(sub.target_block): {a.url: (a.bundle_hash or str(a.error)) for a in sub.answers} for sub in submissions
        }
        accepted = any(sub.accepted for sub in submissions)
        for bundle_id, opportunity_id in zip(bundle_ids, ids, strict=True):
            self.journal.sent(bundle_id, results, accepted)
            if accepted:
                report.submitted.append(opportunity_id)
            else:
                report.dropped.append((opportunity_id, "no relay accepted the bundle"))
        if not accepted:
            self.sender.abandon(self._sent_txs(ids), "no relay accepted the bundle")

    def _sent_txs(self, opportunity_ids: list[int]) -> list[SentTx]:
        """The opportunities' transactions still unsettled, in the order given (one query)."""
        purposes = [bundle_purpose(i) for i in opportunity_ids]
        found = self.sender.journal.latest_of(purposes)
        return [found[p] for p in purposes if p in found and not found[p].settled]

    def _resend_unsent(self, head: int) -> None:
        """Bundles journaled before a crash but never sent: to the relays, if their blocks are ahead."""
        unsent = [b for b in self.journal.open_bundles() if b.status == "submitting"]
        groups: dict[str, list[OpenBundle]] = {}
        for bundle in unsent:
            groups.setdefault(bundle.replacement_uuid, []).append(bundle)
        for group in groups.values():
            txs = self._sent_txs([b.opportunity_id for b in group])
            first = max(head + 1, group[0].first_block)
            if len(txs) != len(group) or first > group[0].last_block:
                continue  # settled from the sender's journal as it expires
            log.info("arb: re-sending bundle %s journaled before a restart", group[0].replacement_uuid)
            self._relay(
                [b.id for b in group],
                [b.opportunity_id for b in group],
                [tx.raw for tx in txs],
                first,
                BlockReport(head),
            )

    def _order(self, opportunity: Opportunity) -> ArbOrder:
        assert self.search is not None
        amounts = cycle_amounts(opportunity.cycle, self.search.pools, opportunity.amount_in)
        return ArbOrder(
            cycle=opportunity.cycle,
            amount_in=opportunity.amount_in,
            lender=self.plan.lender,
            loan_fee=opportunity.loan_fee,
            amount_out=opportunity.amount_out,
            coinbase_bps=self.plan.coinbase_bps,
            hop_amounts_out=tuple(amounts[1:]),
        )

    def _drop(self, opportunity_id: int, reason: str, report: BlockReport, memo: tuple | None = None) -> None:
        self.journal.mark(opportunity_id, "dropped", reason)
        report.dropped.append((opportunity_id, reason))
        if memo is not None:
            if len(self._dropped) >= MEMO_LIMIT:
                self._dropped.clear()
            self._dropped.add(memo)
        log.info("opportunity %s dropped: %s", opportunity_id, reason)

    def stop(self) -> None:
        """A clean shutdown: journal the registry's states as of the last block handled."""
        self.registry.snapshot(force=True)

    # -- settlement ------------------------------------------------------------------------

    def settle(self, head: int, report: BlockReport | None = None) -> None:
        """Resolve open bundles from the sender's journal: landed (with realized profit) or expired; a
        landed one whose block a reorg took away goes back to expired (and its opportunity is retried)."""
        for bundle in self.journal.recently_landed(head - self.sender.confirmations - 1):
            tx = self.sender.journal.latest(bundle_purpose(bundle.opportunity_id))
            if tx is not None and tx.mined_block is None:
                self.journal.reorged(bundle.id, head)
                log.warning("arb: bundle %s was reorged out; its opportunity is open again", bundle.id)
                if report is not None:
                    report.expired.append(bundle.id)
        for bundle in self.journal.open_bundles():
            tx = self.sender.journal.latest(bundle_purpose(bundle.opportunity_id))
            if tx is None or tx.failed and tx.status != "reverted":
                reason = tx.error if tx is not None and tx.error else f"not included by block {bundle.last_block}"
                self.journal.expired(bundle.id, reason)
                if report is not None:
                    report.expired.append(bundle.id)
            elif tx.mined_block is not None:
                try:
                    receipt = self.w3.eth.get_transaction_receipt(tx.tx_hash)
                except TransactionNotFound:
                    # Its block was replaced since the sender saw it (the devrelay re-seals a block whose
                    # bundles fail their check): the sender's next poll says reorged; settle it then.
                    continue
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
