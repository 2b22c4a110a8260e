"""The dashboard's overview, read from the journal: realized profit per strategy over time, gas spent,
what became of the opportunities found, and the win rate (landed / sent).

Profit is each landed trade's realized profit (the ArbExecuted log's netProfit, in the trade's
token), placed in time by its block's timestamp read from chain. Gas is what every transaction
the keepers' `TxSender` journaled paid once mined (reverted ones too), grouped by the first part
of its purpose (``arb:…``, ``rewards:…``, ``gasless:…``, ``operator:…``), in wei of the native
coin. Nothing is estimated: a figure the journal does not hold is not shown.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from sqlalchemy import func, select

from keepers.api.context import ApiContext
from keepers.api.models import GasSpent, OpportunityCounts, Overview, PnlPoint, ReasonCount, StrategyPnl
from keepers.api.watch import ChainWatch
from keepers.store.models import Bundle, Opportunity, SentTransaction

# An opportunity was sent once a relay accepted its bundle; these statuses only follow that.
SENT = ("submitted", "landed", "reverted", "expired")
HEX = re.compile(r"0x[0-9a-fA-F]+")
NUMBER = re.compile(r"-?\b\d+\b")


def reason_pattern(reason: str) -> str:
    """`profit after gas -1234 below threshold` -> `profit after gas N below threshold`."""
    return NUMBER.sub("N", HEX.sub("0x…", reason))


def read_overview(ctx: ApiContext, watch: ChainWatch) -> Overview:
    head = ctx.w3.eth.block_number
    chain = Opportunity.chain_id == ctx.chain_id
    with ctx.store.transaction() as session:
        landed = session.execute(
            select(Opportunity.keeper, Opportunity.token, Bundle.landed_block, Bundle.realized_profit)
            .join(Bundle.opportunity)
            .where(chain, Bundle.status == "landed", Bundle.landed_block <= head)
            .order_by(Bundle.landed_block, Bundle.id)
        ).all()
        outcomes = session.execute(
            select(Opportunity.status, Opportunity.reason, func.count())
            .where(chain)
            .group_by(Opportunity.status, Opportunity.reason)
        ).all()
        mined = session.execute(
            select(SentTransaction.purpose, SentTransaction.gas_used, SentTransaction.effective_gas_price).where(
                SentTransaction.chain_id == ctx.chain_id,
                SentTransaction.mined_block.is_not(None),
                SentTransaction.gas_used.is_not(None),
                SentTransaction.effective_gas_price.is_not(None),
            )
        ).all()
    strategies = _strategies(ctx, watch, head, landed)
    gas = _gas(mined)
    counts = _counts(outcomes)
    return Overview(
        head_block=head,
        strategies=strategies,
        gas=gas,
        gas_fees=str(sum(int(g.fees) for g in gas)),
        opportunities=counts,
        win_rate=counts.landed / counts.sent if counts.sent else None,
    )


def _strategies(ctx: ApiContext, watch: ChainWatch, head: int, landed) -> list[StrategyPnl]:
    blocks: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for keeper, token, block, realized in landed:
        blocks[keeper, token][block].append(realized or 0)
    out = []
    for (keeper, token), by_block in sorted(blocks.items()):
        asset = ctx.token_at(token)
        points, cumulative = [], 0
        for block, profits in sorted(by_block.items()):
            cumulative += sum(profits)
            points.append(
                PnlPoint(
                    block=block,
                    timestamp=watch.timestamp(ctx.w3, block, head),
                    trades=len(profits),
                    realized=str(sum(profits)),
                    cumulative=str(cumulative),
                )
            )
        out.append(
            StrategyPnl(
                strategy=keeper,
                token=token,
                symbol=asset.symbol,
                decimals=asset.decimals,
                trades=sum(p.trades for p in points),
                realized=str(cumulative),
                points=points,
            )
        )
    return out


def _gas(mined) -> list[GasSpent]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # transactions, gas used, fees
    for purpose, gas_used, price in mined:
        total = totals[purpose.split(":", 1)[0]]
        total[0] += 1
        total[1] += gas_used
        total[2] += gas_used * price
    return [
        GasSpent(strategy=name, transactions=count, gas_used=used, fees=str(fees))
        for name, (count, used, fees) in sorted(totals.items())
    ]


def _counts(outcomes) -> OpportunityCounts:
    by_status: Counter[str] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    for status, reason, count in outcomes:
        by_status[status] += count
        if reason:
            reasons[status, reason_pattern(reason)] += count
    return OpportunityCounts(
        found=sum(by_status.values()),
        sent=sum(by_status[s] for s in SENT),
        landed=by_status["landed"],
        expired=by_status["expired"],
        dropped=by_status["dropped"],
        by_status=dict(sorted(by_status.items())),
        reasons=[
            ReasonCount(status=status, reason=reason, count=count)
            for (status, reason), count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
    )
