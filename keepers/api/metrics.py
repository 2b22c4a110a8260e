"""GET /metrics: Prometheus text, computed from the store and the chain at scrape time."""

from __future__ import annotations

from collections import Counter, defaultdict

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select

from keepers.api.context import ApiContext
from keepers.store.models import Bundle, Heartbeat, Opportunity, SupervisedProcess


class StoreCollector(Collector):
    def __init__(self, ctx: ApiContext):
        self.ctx = ctx

    def collect(self):
        ctx = self.ctx
        up = GaugeMetricFamily("lapidary_keeper_up", "1 if the supervised process runs", labels=["keeper"])
        restarts = CounterMetricFamily(
            "lapidary_keeper_restarts", "restarts after a crash, since `keepers up` began", labels=["keeper"]
        )
        last_block = GaugeMetricFamily("lapidary_keeper_last_block", "last block a keeper processed", labels=["keeper"])
        opportunities = GaugeMetricFamily("lapidary_opportunities", "journaled opportunities", labels=["status"])
        trades = GaugeMetricFamily("lapidary_trades", "journaled bundles", labels=["status"])
        realized = GaugeMetricFamily(
            "lapidary_realized_profit_wei", "realized profit of landed trades (base units)", labels=["token"]
        )
        with ctx.store.transaction() as session:
            for row in session.scalars(select(SupervisedProcess)):
                up.add_metric([row.name], 1.0 if row.state == "running" else 0.0)
                restarts.add_metric([row.name], row.restarts)
            for beat in session.scalars(select(Heartbeat)):
                last_block.add_metric([beat.keeper], beat.block)
            chain = Opportunity.chain_id == ctx.chain_id
            for status, count in Counter(session.scalars(select(Opportunity.status).where(chain))).items():
                opportunities.add_metric([status], count)
            landed: dict[str, int] = defaultdict(int)
            bundle_states: Counter = Counter()
            for status, token, profit in session.execute(
                select(Bundle.status, Opportunity.token, Bundle.realized_profit).join(Bundle.opportunity).where(chain)
            ):
                bundle_states[status] += 1
                if status == "landed":
                    landed[ctx.token_at(token).symbol] += profit or 0
            for status, count in bundle_states.items():
                trades.add_metric([status], count)
            for symbol, total in landed.items():
                realized.add_metric([symbol], float(total))
        yield from (up, restarts, last_block, opportunities, trades, realized)
        try:
            head = ctx.w3.eth.block_number
        except Exception:
            return
        yield GaugeMetricFamily("lapidary_chain_head_block", "the node's head block", value=head)


def registry(ctx: ApiContext) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(ctx))
    return registry
