"""GET /api/opportunities, /api/trades, /api/gasless, /api/profit and /api/logs: the journal, paged and
filtered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import (
    GaslessPage,
    GaslessRequestOut,
    Hop,
    LogEntry,
    LogPage,
    OpportunityOut,
    OpportunityPage,
    Profit,
    TradeOut,
    TradePage,
)
from keepers.api.profit import read_profit
from keepers.store.models import Bundle, LogEvent, Opportunity, RelayRequest

router = APIRouter(tags=["journal"])

MAX_BLOCK = 2**62
# Annotated aliases, not shared Query() defaults: FastAPI would name every use after the first.
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Status = Annotated[str | None, Query(max_length=16, pattern=r"^[a-z_]+$")]
Block = Annotated[int | None, Query(ge=0, le=MAX_BLOCK)]
Token = Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="token address")]


def opportunity_out(ctx: ApiContext, row: Opportunity) -> OpportunityOut:
    return OpportunityOut(
        id=row.id,
        keeper=row.keeper,
        block=row.block,
        token=row.token,
        symbol=ctx.token_at(row.token).symbol,
        lender=row.lender,
        route=[Hop(**hop) for hop in row.route],
        amount_in=str(row.amount_in),
        gross_profit=str(row.gross_profit),
        loan_fee=str(row.loan_fee),
        predicted_profit=str(row.predicted_profit),
        gas_cost=None if row.gas_cost is None else str(row.gas_cost),
        status=row.status,
        reason=row.reason,
        created_at=row.created_at,
    )


def trade_out(ctx: ApiContext, bundle: Bundle) -> TradeOut:
    opportunity = bundle.opportunity
    return TradeOut(
        id=bundle.id,
        opportunity_id=bundle.opportunity_id,
        tx_hash=bundle.tx_hash,
        sender=bundle.sender,
        status=bundle.status,
        token=opportunity.token,
        symbol=ctx.token_at(opportunity.token).symbol,
        first_block=bundle.first_block,
        last_block=bundle.last_block,
        landed_block=bundle.landed_block,
        gas_used=bundle.gas_used,
        effective_gas_price=None if bundle.effective_gas_price is None else str(bundle.effective_gas_price),
        predicted_profit=str(opportunity.predicted_profit),
        realized_profit=None if bundle.realized_profit is None else str(bundle.realized_profit),
        created_at=bundle.created_at,
    )


@router.get("/api/opportunities", response_model=OpportunityPage, summary="Opportunities found, newest first")
def opportunities(
    ctx: Context,
    status: Status = None,
    token: Token = None,
    from_block: Block = None,
    to_block: Block = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OpportunityPage:
    query = select(Opportunity).where(Opportunity.chain_id == ctx.chain_id)
    if status is not None:
        query = query.where(Opportunity.status == status)
    if token is not None:
        query = query.where(func.lower(Opportunity.token) == token.lower())
    if from_block is not None:
        query = query.where(Opportunity.block >= from_block)
    if to_block is not None:
        query = query.where(Opportunity.block <= to_block)
    with ctx.store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Opportunity.id.desc()).limit(limit).offset(offset)).all()
        items = [opportunity_out(ctx, row) for row in rows]
    return OpportunityPage(total=total, limit=limit, offset=offset, items=items)


@router.get("/api/trades", response_model=TradePage, summary="Bundles sent and their fate, newest first")
def trades(
    ctx: Context,
    status: Status = None,
    token: Token = None,
    from_block: Block = None,
    to_block: Block = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TradePage:
    query = select(Bundle).join(Opportunity).where(Opportunity.chain_id == ctx.chain_id)
    if status is not None:
        query = query.where(Bundle.status == status)
    if token is not None:
        query = query.where(func.lower(Opportunity.token) == token.lower())
    if from_block is not None:
        query = query.where(Bundle.first_block >= from_block)
    if to_block is not None:
        query = query.where(Bundle.first_block <= to_block)
    with ctx.store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Bundle.id.desc()).limit(limit).offset(offset)).all()
        items = [trade_out(ctx, row) for row in rows]
    return TradePage(total=total, limit=limit, offset=offset, items=items)


@router.get("/api/gasless", response_model=GaslessPage, summary="Gasless requests the relayer took, newest first")
def gasless(ctx: Context, status: Status = None, limit: Limit = 50, offset: Offset = 0) -> GaslessPage:
    query = select(RelayRequest).where(RelayRequest.chain_id == ctx.chain_id)
    if status is not None:
        query = query.where(RelayRequest.status == status)
    with ctx.store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(RelayRequest.created_at.desc()).limit(limit).offset(offset)).all()
        items = [
            GaslessRequestOut(
                id=row.id,
                signer=row.signer,
                selector=row.selector,
                status=row.status,
                reason=row.reason,
                relayer=row.relayer,
                tx_hash=row.tx_hash,
                block=row.block,
                gas_used=row.gas_used,
                effective_gas_price=None if row.effective_gas_price is None else str(row.effective_gas_price),
                created_at=row.created_at,
            )
            for row in rows
        ]
    return GaslessPage(total=total, limit=limit, offset=offset, items=items)


@router.get(
    "/api/profit",
    response_model=Profit,
    summary="Realized profit per token and block from the journal, each block reconciled with chain balances",
)
def profit(ctx: Context) -> Profit:
    return read_profit(ctx)


@router.get("/api/logs", response_model=LogPage, summary="Recent log events of the supervised processes")
def logs(
    ctx: Context,
    source: str | None = Query(None, max_length=32),
    level: str | None = Query(None, pattern=r"^(info|warning|error)$"),
    after: int | None = Query(None, ge=0, le=MAX_BLOCK, description="only events with a larger id"),
    limit: int = Query(100, ge=1, le=1000),
) -> LogPage:
    query = select(LogEvent)
    if source is not None:
        query = query.where(LogEvent.source == source)
    if level is not None:
        query = query.where(LogEvent.level == level)
    if after is not None:
        query = query.where(LogEvent.id > after)
    with ctx.store.transaction() as session:
        rows = session.scalars(query.order_by(LogEvent.id.desc()).limit(limit)).all()
        return LogPage(items=[log_entry(ctx, row) for row in rows])


def log_entry(ctx: ApiContext, row: LogEvent) -> LogEntry:
    return LogEntry(id=row.id, at=row.at, source=row.source, level=row.level, message=ctx.redact(row.message))
