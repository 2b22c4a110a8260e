"""What the dashboard's views read beyond the journal's pages: GET /api/overview, /api/alerts,
/api/trades/detail (trades with their routes) and /api/logs/search (by process, level and text)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from keepers.api.alerts import read_alerts
from keepers.api.deps import Context
from keepers.api.models import Alerts, AlertThresholds, Hop, LogPage, Overview, TradeDetail, TradeDetailPage
from keepers.api.overview import read_overview
from keepers.api.routes.journal import MAX_BLOCK, Limit, Offset, Status, log_entry, trades
from keepers.api.watch import Watch
from keepers.store.models import LogEvent, Opportunity

router = APIRouter(tags=["views"])

Seconds = Annotated[float, Query(gt=0, le=86_400)]


@router.get(
    "/api/overview",
    response_model=Overview,
    summary="Realized profit per strategy over time, gas spent, opportunity outcomes and win rate, from the journal",
)
def overview(ctx: Context, watch: Watch) -> Overview:
    return read_overview(ctx, watch)


@router.get(
    "/api/alerts",
    response_model=Alerts,
    summary="Silent keepers, stuck reward epochs, a stalled node, profit not reconciled with chain",
)
def alerts(
    ctx: Context,
    watch: Watch,
    silent_after: Seconds = 30,
    epoch_blocks: Annotated[int, Query(ge=1, le=1_000_000)] = 10,
    stall_after: Seconds = 30,
) -> Alerts:
    thresholds = AlertThresholds(silent_after=silent_after, epoch_blocks=epoch_blocks, stall_after=stall_after)
    return read_alerts(ctx, watch, thresholds)


@router.get(
    "/api/trades/detail",
    response_model=TradeDetailPage,
    summary="Bundles sent, newest first, with their opportunity's route and lender and the gas they paid",
)
def trade_details(ctx: Context, status: Status = None, limit: Limit = 50, offset: Offset = 0) -> TradeDetailPage:
    page = trades(ctx, status=status, token=None, from_block=None, to_block=None, limit=limit, offset=offset)
    with ctx.store.transaction() as session:
        found = select(Opportunity).where(Opportunity.id.in_({t.opportunity_id for t in page.items}))
        opportunities = {row.id: row for row in session.scalars(found)}
        items = [
            TradeDetail(
                **trade.model_dump(),
                lender=opportunities[trade.opportunity_id].lender,
                route=[Hop(**hop) for hop in opportunities[trade.opportunity_id].route],
                amount_in=str(opportunities[trade.opportunity_id].amount_in),
                gas_fee=None if trade.gas_used is None else str(trade.gas_used * int(trade.effective_gas_price)),
            )
            for trade in page.items
        ]
    return TradeDetailPage(total=page.total, limit=limit, offset=offset, items=items)


@router.get("/api/logs/search", response_model=LogPage, summary="Log events by process, level and text, newest first")
def search_logs(
    ctx: Context,
    source: Annotated[str | None, Query(max_length=32, description="the process")] = None,
    level: Annotated[str | None, Query(pattern=r"^(info|warning|error)$")] = None,
    text: Annotated[str | None, Query(min_length=1, max_length=200, description="case-insensitive")] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_BLOCK, description="only events with a smaller id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LogPage:
    literal = None if text is None else text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    wanted = (
        None if source is None else LogEvent.source == source,
        None if level is None else LogEvent.level == level,
        None if literal is None else LogEvent.message.ilike(f"%{literal}%", escape="\\"),
        None if before is None else LogEvent.id < before,
    )
    query = select(LogEvent).where(*(condition for condition in wanted if condition is not None))
    with ctx.store.transaction() as session:
        rows = session.scalars(query.order_by(LogEvent.id.desc()).limit(limit)).all()
        return LogPage(items=[log_entry(ctx, row) for row in rows])
