"""GET /api/balances (read from chain) and POST /api/control (start / stop a keeper, pause the master)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from web3 import Web3

from keepers.api.auth import require_token
from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import Balances, ControlRequest, ControlResult, ErrorBody, HolderBalances, TokenInfo
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
    signature = "pauseAll()" if request.action == "pause" else "unpauseAll()"
    w3, account = ctx.w3, ctx.operator
    call = {
        "from": account.address,
        "to": Web3.to_checksum_address(ctx.master),
        "data": Web3.keccak(text=signature)[:4],
    }
    try:
        gas = w3.eth.estimate_gas(call)
    except Exception as err:  # the contract refused (not owner / guardian, already in that state)
        raise HTTPException(status.HTTP_409_CONFLICT, f"{signature} would revert: {err}") from None
    base_fee = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
    tx = call | {
        "type": 2,
        "chainId": ctx.chain_id,
        "value": 0,
        "gas": gas * 6 // 5 + 20_000,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 2 * base_fee + 10**9,
    }
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.2)
    if receipt["status"] != 1:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{signature} reverted in {tx_hash.to_0x_hex()}")
    paused = ctx.call(ctx.master, "paused()", [], [], ["bool"])[0]
    return ControlResult(
        action=request.action,
        keeper=None,
        detail=f"master {'paused' if paused else 'unpaused'}",
        tx_hash=tx_hash.to_0x_hex(),
        paused=paused,
    )
