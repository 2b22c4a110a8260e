"""GET /api/status and /api/health: each keeper's process state and heartbeat, the chain head, the pause.

Both answer within `api.node_timeout` whatever the node does: the node is read through the context's
`NodeWatch`, which serves the last head with its age and says `stalled` when the node does not answer.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select, text

from keepers.api.context import ApiContext
from keepers.api.deps import Context
from keepers.api.models import Health, KeeperStatus, Status
from keepers.api.node import NodeReading
from keepers.store.models import Heartbeat, SupervisedProcess

router = APIRouter(tags=["status"])


def read_status(ctx: ApiContext, node: NodeReading) -> Status:
    """The keepers from the store, the chain as `node` last saw it (blocking: the store)."""
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
    return Status(
        chain_id=ctx.chain_id,
        head_block=node.head,
        head_age=node.age(ctx.node.clock()),
        node=node.state,
        master=ctx.master,
        paused=node.paused,
        supervised=bool(processes),
        keepers=keepers,
    )


def store_answers(ctx: ApiContext) -> bool:
    try:
        with ctx.store.transaction() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get("/api/status", response_model=Status, summary="Each keeper: running or stopped, last block, last error")
async def status(ctx: Context) -> Status:
    node = await ctx.node.read()
    return await run_in_threadpool(read_status, ctx, node)


@router.get("/api/health", response_model=Health, summary="Whether the API reaches its node and its store")
async def health(ctx: Context) -> Health:
    node = await ctx.node.read()
    store = await run_in_threadpool(store_answers, ctx)
    chain = node.state == "ok"
    return Health(
        ok=chain and store,
        chain=chain,
        store=store,
        node=node.state,
        head_block=node.head,
        head_age=node.age(ctx.node.clock()),
        instance=ctx.settings.api.instance,
    )
