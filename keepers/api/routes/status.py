"""GET /api/status and /api/health: each keeper's process state and heartbeat, the chain head, the pause."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select, text

from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import Health, KeeperStatus, Status
from keepers.store.models import Heartbeat, SupervisedProcess

router = APIRouter(tags=["status"])


def master_paused(ctx: ApiContext) -> bool | None:
    if ctx.master is None:
        return None
    try:
        return ctx.master_contract().call("paused")
    except Exception:  # no pause facet or no node: unknown, not an error of the request
        return None


def read_status(ctx: ApiContext) -> Status:
    with ctx.store.transaction() as session:
        processes = {row.name: row for row in session.scalars(select(SupervisedProcess))}
        beats = {row.keeper: row for row in session.scalars(select(Heartbeat))}
        keepers = []
        for name in [*processes, *(k for k in beats if k not in processes)]:
            process, beat = processes.get(name), beats.get(name)
            keepers.append(
                KeeperStatus(
                    name=name,
                    state=process.state if process else "unsupervised",
                    desired=process.desired if process else None,
                    controllable=bool(process and process.controllable),
                    pid=process.pid if process else None,
                    restarts=process.restarts if process else 0,
                    last_exit=process.last_exit if process else None,
                    last_block=beat.block if beat else None,
                    last_heartbeat=beat.at if beat else None,
                    last_error=ctx.redact(beat.error) if beat and beat.error else None,
                )
            )
    try:
        head = ctx.w3.eth.block_number
    except Exception:  # the node is away: say so in the field, the rest still reads
        head = None
    return Status(
        chain_id=ctx.chain_id,
        head_block=head,
        master=ctx.master,
        paused=master_paused(ctx),
        supervised=bool(processes),
        keepers=keepers,
    )


@router.get("/api/status", response_model=Status, summary="Each keeper: running or stopped, last block, last error")
def status(ctx: Context) -> Status:
    return read_status(ctx)


@router.get("/api/health", response_model=Health, summary="Whether the API reaches its node and its store")
def health(ctx: Context) -> Health:
    try:
        chain = ctx.w3.eth.chain_id == ctx.chain_id
    except Exception:
        chain = False
    try:
        with ctx.store.transaction() as session:
            session.execute(text("SELECT 1"))
        store = True
    except Exception:
        store = False
    return Health(ok=chain and store, chain=chain, store=store, instance=ctx.settings.api.instance)
