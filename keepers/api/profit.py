"""Realized profit from the journal, reconciled block by block with balances read from chain.

For every block in which the journal has landed trades, the sum of their realized
profit (the ArbExecuted log's netProfit) must equal the change of the treasury's plus
the arb child's balance of that token over that block (balance at the block minus
balance at the block before). A block whose delta differs is shown as not reconciled;
nothing is smoothed over.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from keepers.api.context import ApiContext
from keepers.api.models import Profit, ProfitPoint, TokenProfit
from keepers.store.models import Bundle, Opportunity


def profit_holders(ctx: ApiContext) -> list[str]:
    """Where realized profit ends up: the treasury (swept) or the arb child (kept)."""
    holders = [ctx.master] if ctx.master else []
    child = ctx.children.get(ctx.settings.arb.strategy)
    return holders + ([child] if child else [])


def chain_delta(ctx: ApiContext, token: str, block: int, holders: list[str]) -> int:
    """The holders' balance change over `block` (a buried block: remembered, it cannot change)."""
    key = (token.lower(), block)
    if key not in ctx.deltas:
        asset = ctx.token_at(token)
        ctx.deltas[key] = sum(ctx.balance(asset, h, block) - ctx.balance(asset, h, block - 1) for h in holders)
    return ctx.deltas[key]


def read_profit(ctx: ApiContext) -> Profit:
    """Blocks up to the one before the head: the node may still be writing the head's state."""
    head = ctx.w3.eth.block_number
    with ctx.store.transaction() as session:
        rows = session.execute(
            select(Opportunity.token, Bundle.landed_block, Bundle.realized_profit)
            .join(Bundle.opportunity)
            .where(Opportunity.chain_id == ctx.chain_id, Bundle.status == "landed", Bundle.landed_block < head)
            .order_by(Bundle.landed_block)
        ).all()
    by_token: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for token, block, realized in rows:
        by_token[token][block].append(realized or 0)
    holders = profit_holders(ctx)
    tokens = []
    for token, blocks in by_token.items():
        asset = ctx.token_at(token)
        points, cumulative, chain_total = [], 0, 0
        for block, profits in sorted(blocks.items()):
            journal = sum(profits)
            delta = chain_delta(ctx, token, block, holders)
            cumulative += journal
            chain_total += delta
            points.append(
                ProfitPoint(
                    block=block,
                    trades=len(profits),
                    journal=str(journal),
                    chain_delta=str(delta),
                    reconciled=journal == delta,
                    cumulative=str(cumulative),
                )
            )
        tokens.append(
            TokenProfit(
                token=token,
                symbol=asset.symbol,
                decimals=asset.decimals,
                journal_total=str(cumulative),
                chain_total=str(chain_total),
                reconciled=all(p.reconciled for p in points),
                points=points,
            )
        )
    return Profit(holders=holders, tokens=tokens)
