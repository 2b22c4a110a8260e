"""The live feed behind /ws: polls the store and the chain, publishes what changed to every subscriber.

Events are JSON objects ``{"type": ..., "data": ...}`` of type ``status`` (when any
keeper's state, the head block, the pause or the node's state changes), ``opportunity`` (a new one),
``trade`` (a bundle sent, landed, expired...) and ``log`` (a new log event).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import func, select

from keepers.api.context import ApiContext
from keepers.api.node import NodeReading
from keepers.api.routes.journal import log_entry, opportunity_out, trade_out
from keepers.api.routes.status import read_status
from keepers.store.models import Bundle, LogEvent, Opportunity

log = logging.getLogger(__name__)

QUEUE_SIZE = 1_000
MOST_PER_POLL = 200


class EventBus:
    def __init__(self, ctx: ApiContext, interval: float):
        self.ctx = ctx
        self.interval = interval
        self.subscribers: set[asyncio.Queue] = set()
        self.status: dict | None = None
        self._last_opportunity = 0
        self._last_log = 0
        self._bundles: dict[int, str] = {}  # id -> status, for bundles not settled yet
        self._last_bundle = 0

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.subscribers.discard(queue)

    def publish(self, event: dict) -> None:
        for queue in list(self.subscribers):
            if queue.full():  # a slow client loses its oldest events, never blocks the others
                queue.get_nowait()
            queue.put_nowait(event)

    async def run(self) -> None:
        await asyncio.to_thread(self._start_marks)
        while True:
            try:
                node = await self.ctx.node.read()
                for event in await asyncio.to_thread(self.poll, node):
                    self.publish(event)
            except Exception:  # a failed poll (node restarting, store busy) is retried next time
                log.exception("event poll failed")
            await asyncio.sleep(self.interval)

    def _start_marks(self) -> None:
        """Stream only what happens from now on; the dashboard loads history over HTTP."""
        with self.ctx.store.transaction() as session:
            self._last_opportunity = session.scalar(select(func.max(Opportunity.id))) or 0
            self._last_log = session.scalar(select(func.max(LogEvent.id))) or 0
            self._last_bundle = session.scalar(select(func.max(Bundle.id))) or 0
            open_rows = session.execute(
                select(Bundle.id, Bundle.status).where(Bundle.status.in_(("submitting", "submitted")))
            ).all()
            self._bundles = dict(open_rows)

    def poll(self, node: NodeReading) -> list[dict]:
        ctx, events = self.ctx, []
        status = read_status(ctx, node).model_dump(mode="json")
        if _news(status) != _news(self.status):
            self.status = status
            events.append({"type": "status", "data": status})
        with ctx.store.transaction() as session:
            for row in session.scalars(
                select(Opportunity)
                .where(Opportunity.id > self._last_opportunity, Opportunity.chain_id == ctx.chain_id)
                .order_by(Opportunity.id)
                .limit(MOST_PER_POLL)
            ):
                self._last_opportunity = row.id
                events.append({"type": "opportunity", "data": opportunity_out(ctx, row).model_dump(mode="json")})
            watched = select(Bundle).where((Bundle.id > self._last_bundle) | Bundle.id.in_(list(self._bundles)))
            for bundle in session.scalars(watched.order_by(Bundle.id).limit(MOST_PER_POLL)):
                self._last_bundle = max(self._last_bundle, bundle.id)
                if self._bundles.get(bundle.id) == bundle.status:
                    continue
                if bundle.status in ("submitting", "submitted"):
                    self._bundles[bundle.id] = bundle.status
                else:
                    self._bundles.pop(bundle.id, None)
                events.append({"type": "trade", "data": trade_out(ctx, bundle).model_dump(mode="json")})
            for row in session.scalars(
                select(LogEvent).where(LogEvent.id > self._last_log).order_by(LogEvent.id).limit(MOST_PER_POLL)
            ):
                self._last_log = row.id
                events.append({"type": "log", "data": log_entry(ctx, row).model_dump(mode="json")})
        return events


def _news(status: dict | None) -> dict | None:
    """What of a status is worth an event: all but the head's age, which alone moves every poll."""
    return None if status is None else {key: value for key, value in status.items() if key != "head_age"}
