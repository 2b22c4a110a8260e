"""POST /api/quote: a what-if for operators — a route through the arb child's pools and an input,
priced exactly at a block, with the `executeArb` the keeper would send simulated (`keepers.arb.quote`).

Behind the operator's bearer token, like /api/control (it costs the node a few dozen calls), and the
API's body limit. A route the child cannot trade is a 422 saying which hop; no arb child in the
deployments file is a 409.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool

from keepers.api.auth import TOKEN_ERRORS, TokenRoute
from keepers.api.deps import Context
from keepers.api.models import ErrorBody, HopQuoteOut, QuoteOut, QuoteRequest, SimulationOut
from keepers.arb.quote import Quote, QuoteRefused, RouteQuoter
from keepers.config import ConfigError

router = APIRouter(tags=["quote"], route_class=TokenRoute)

QUOTE_ERRORS = TOKEN_ERRORS | {
    409: {"model": ErrorBody, "description": "no arb child in the deployments file, or its lender is not configured"},
    422: {"description": "malformed request, or a route the child's pools cannot trade (the detail says which hop)"},
}


@router.post(
    "/api/quote",
    response_model=QuoteOut,
    responses=QUOTE_ERRORS,
    summary="Quote a route through the arb child's pools exactly at a block; simulate it when it is an arbitrage",
)
async def quote(ctx: Context, request: QuoteRequest) -> QuoteOut:
    child = ctx.children.get("arb")
    if child is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no arb child in the deployments file: nothing to quote through")
    quoter = RouteQuoter(ctx.w3, child, ctx.settings.api.bots.get("arb"))
    try:
        answer = await run_in_threadpool(
            quoter.quote, request.route, request.token, int(request.amount_in), request.lender, request.block
        )
    except QuoteRefused as err:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(err)) from None
    except ConfigError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from None
    return _out(answer)


def _out(q: Quote) -> QuoteOut:
    sim = q.simulation
    return QuoteOut(
        block=q.block,
        token=q.token,
        amount_in=str(q.amount_in),
        hops=[
            HopQuoteOut(
                pool=h.pool,
                kind=h.kind,
                token_in=h.token_in,
                token_out=h.token_out,
                amount_in=str(h.amount_in),
                amount_out=str(h.amount_out),
                marginal_rate=str(h.marginal),
                price_impact_bps=float(h.impact_bps),
                price_impact_exact=str(h.impact_bps),
            )
            for h in q.hops
        ],
        amount_out=str(q.amount_out),
        cycle=q.cycle,
        lender=q.lender,
        loan_fee=None if q.loan_fee is None else str(q.loan_fee),
        gross_profit=None if q.gross_profit is None else str(q.gross_profit),
        base_fee=None if q.base_fee is None else str(q.base_fee),
        gas_cost=None if q.gas_cost is None else str(q.gas_cost),
        net_profit=None if q.net_profit is None else str(q.net_profit),
        simulation=None
        if sim is None
        else SimulationOut(
            ok=sim.ok,
            net_profit=None if sim.net_profit is None else str(sim.net_profit),
            gas=sim.gas,
            error=sim.error,
        ),
    )
