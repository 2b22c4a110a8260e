"""GET /api/mm: the market maker's market, cycles, price against the reference, wallets, ladder,
inventory and PnL, each holder's books reconciled with chain (`keepers.api.mm`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from keepers.api.deps import Context
from keepers.api.mm import MmQuery, read_mm
from keepers.api.models import MmStatus, MmView
from keepers.api.routes.journal import Limit, Offset

router = APIRouter(tags=["mm"])

Points = Annotated[int, Query(ge=1, le=2000, description="how many of the latest cycles the price series holds")]


@router.get(
    "/api/mm",
    response_model=MmView,
    summary="The market maker: cycles, pool price against the reference, wallets, the ladder, inventory and PnL "
    "marked at the reference, books reconciled with chain",
)
async def market_maker(
    ctx: Context,
    status: Annotated[MmStatus | None, Query(description="only cycles that ended so (running: not yet)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    points: Points = 500,
) -> MmView:
    # The head through the node watch first: a stalled node is answered within api.node_timeout, from the journal.
    node = await ctx.node.read()
    return await run_in_threadpool(read_mm, ctx, node, MmQuery(status, limit, offset, points))
