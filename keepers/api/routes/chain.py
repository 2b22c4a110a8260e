"""GET /api/balances (read from chain) and POST /api/control (start / stop a keeper, pause the master)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, status

from keepers.api.auth import require_token
from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import Balances, ControlRequest, ControlResult, ErrorBody, HolderBalances, TokenInfo
from keepers.chain.errors import SendError
from keepers.chain.sender import Call
from keepers.store.models import SupervisedProcess

router = APIRouter(tags=["chain"])

CONTROL_ERRORS = {
    401: {"model": ErrorBody, "description": "no bearer token"},
    403: {"model": ErrorBody, "description": "wrong token, or control disabled (no token configured)"},
    404: {"model": ErrorBody, "description": "no such supervised process"},
    409: {"model": ErrorBody, "description": "not possible now (not controllable, no operator key, chain refused)"},
    422: {"description": "malformed request"},
}


@router.get("/api/balances", response_model=Balances, summary="Treasury, children and bots, per token, from chain")
def balances(ctx: Context) -> Balances:
    # The block before the head: anvil may still be writing the head's state when asked for it.
    block = max(ctx.w3.eth.block_number - 1, 0)
    holders: list[tuple[str, str, str]] = []
    if ctx.master is not None:
        holders.append(("treasury", "master", ctx.master))
    holders += [("child", name, address) for name, address in ctx.children.items()]
    holders += [("bot", name, address) for name, address in ctx.bots.items()]
    return Balances(
        block=block,
        tokens=[TokenInfo(symbol=t.symbol, address=t.address, decimals=t.decimals) for t in ctx.tokens],
        holders=[
            HolderBalances(
                role=role,
                name=name,
                address=address,
                balances={t.symbol: str(ctx.balance(t, address, block)) for t in ctx.tokens},
            )
            for role, name, address in holders
        ],
    )


@router.post(
    "/api/control",
    response_model=ControlResult,
    responses=CONTROL_ERRORS,
    dependencies=[Depends(require_token)],
    summary="Start or stop a supervised keeper; pause or unpause the master (bearer token)",
)
def control(ctx: Context, request: ControlRequest) -> ControlResult:
    if request.action in ("start", "stop"):
        return _process(ctx, request)
    return _pause(ctx, request)


def _process(ctx: ApiContext, request: ControlRequest) -> ControlResult:
    if not request.keeper:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"{request.action} needs a keeper")
    with ctx.store.transaction() as session:
        row = session.get(SupervisedProcess, request.keeper)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no supervised process named {request.keeper!r}")
        if not row.controllable:
            raise HTTPException(status.HTTP_409_CONFLICT, f"{request.keeper} cannot be started or stopped from here")
        row.desired = "running" if request.action == "start" else "stopped"
        desired = row.desired
    return ControlResult(
        action=request.action,
        keeper=request.keeper,
        detail=f"the supervisor will {'start' if desired == 'running' else 'stop'} {request.keeper}",
        state=desired,
    )


def _pause(ctx: ApiContext, request: ControlRequest) -> ControlResult:
    if ctx.master is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no master in the deployments file")
    if ctx.operator is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no operator key: set LAPIDARY_OPERATOR__PRIVATE_KEY")
    function = "pauseAll" if request.action == "pause" else "unpauseAll"
    master = ctx.master_contract()
    purpose = f"operator:{function}:{ctx.master}:{uuid.uuid4()}"
    try:
        sent = ctx.operator.send(purpose, Call(master.address, master.calldata(function)))
        mined = ctx.operator.wait(sent, timeout=60)
    except SendError as err:  # would revert (not owner / guardian, already so), no funds, fee cap
        raise HTTPException(status.HTTP_409_CONFLICT, f"{function}() not sent: {err}") from None
    except TimeoutError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{function}(): {err}") from None
    if mined.receipt_status != 1:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{function}() {mined.status} in {mined.tx_hash}")
    paused = master.call("paused")
    return ControlResult(
        action=request.action,
        keeper=None,
        detail=f"master {'paused' if paused else 'unpaused'}",
        tx_hash=mined.tx_hash,
        paused=paused,
    )
