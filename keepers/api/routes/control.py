"""POST /api/control: start / stop a supervised keeper, pause / unpause the master (bearer token).

The token is checked before the body is read (`TokenRoute`); the body must be exactly one of the
documented shapes (unknown fields are refused). A pause of a master already paused, or an unpause of
one that is not, sends nothing and answers 200 with no transaction: the state asked for holds, as a
start of a running keeper does.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, status

from keepers.api.auth import TOKEN_ERRORS, TokenRoute
from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import ControlRequest, ControlResult, ErrorBody, PauseControl, ProcessControl
from keepers.chain.errors import SendError
from keepers.chain.sender import Call
from keepers.store.models import SupervisedProcess

router = APIRouter(tags=["control"], route_class=TokenRoute)

CONTROL_ERRORS = TOKEN_ERRORS | {
    404: {"model": ErrorBody, "description": "no such supervised process"},
    409: {"model": ErrorBody, "description": "not possible now (not controllable, no operator key, chain refused)"},
    422: {"description": "malformed request: not JSON, not one of the shapes, or an unknown field"},
}


@router.post(
    "/api/control",
    response_model=ControlResult,
    responses=CONTROL_ERRORS,
    summary="Start or stop a supervised keeper; pause or unpause the master (bearer token)",
)
def control(ctx: Context, request: ControlRequest) -> ControlResult:
    if isinstance(request, ProcessControl):
        return _process(ctx, request)
    return _pause(ctx, request)


def _process(ctx: ApiContext, request: ProcessControl) -> ControlResult:
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


def _pause(ctx: ApiContext, request: PauseControl) -> ControlResult:
    if ctx.master is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no master in the deployments file")
    if ctx.operator is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no operator key: set LAPIDARY_OPERATOR__PRIVATE_KEY")
    pause = request.action == "pause"
    master = ctx.master_contract()
    if master.call("paused") == pause:
        # Sending would succeed (both functions are idempotent) and only spend the operator's gas and
        # nonce. A re-push to children a previous push missed is the watchdog's, not this button's.
        return ControlResult(
            action=request.action,
            keeper=None,
            detail=f"master already {'paused' if pause else 'unpaused'}: nothing sent",
            paused=pause,
        )
    function = "pauseAll" if pause else "unpauseAll"
    purpose = f"operator:{function}:{ctx.master}:{uuid.uuid4()}"
    try:
        sent = ctx.operator.send(purpose, Call(master.address, master.calldata(function)))
        mined = ctx.operator.wait(sent, timeout=60)
    except SendError as err:  # would revert (not owner / guardian), no funds, fee cap
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
