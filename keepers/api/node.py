"""The node as /api/health, /api/status and the live feed see it: asked briefly, remembered with its age.

A stalled node must not stall the operator's view of it. The keepers' Web3 waits `chain.request_timeout`
(30 s) and web3 retries a timed-out read five times, so one `eth_blockNumber` to a frozen node took
minutes. `NodeWatch` asks through a Web3 of its own: `api.node_timeout` per request, no retries, on
one thread of its own so that probes never pile up (a caller arriving while one runs shares it), and
no caller waits longer than the timeout. When the node does not answer in time, the last head and
pause read are served with their age and the node is reported `stalled` (or `unreachable`: refused).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import requests
from web3 import Web3

from keepers.api.models import NodeState
from keepers.chain.contracts import Contract, abi


@dataclass(frozen=True)
class NodeReading:
    """What the last probe found; `head` and `paused` are from the last probe that read them, at
    `read_at` (the watch's clock)."""

    state: NodeState
    head: int | None = None
    paused: bool | None = None
    read_at: float | None = None

    def age(self, now: float) -> float | None:
        """Seconds since `head` and `paused` were read (None: never)."""
        return None if self.read_at is None else round(max(now - self.read_at, 0.0), 3)


class NodeWatch:
    """Probes of the node at `rpc_url` (chain id, head, the master's pause), each answered within
    `timeout` seconds (see the module docstring)."""

    def __init__(
        self,
        rpc_url: str,
        chain_id: int,
        master: str | None,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        provider = Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.w3 = Web3(provider)
        self.chain_id = chain_id
        self.master = None if master is None else Contract(self.w3, master, abi("MasterPauseFacet"))
        self.timeout = timeout
        self.clock = clock
        self.last = NodeReading("unreachable")  # until the first probe answers
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="node-watch")
        self._probe: asyncio.Future[NodeReading] | None = None

    async def read(self) -> NodeReading:
        """The node now, or after `timeout` seconds the last reading marked `stalled`."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().run_in_executor(self._executor, self.probe)
        try:
            # shield: a caller giving up must not cancel the probe others share.
            return await asyncio.wait_for(asyncio.shield(self._probe), self.timeout)
        except TimeoutError:
            return replace(self.last, state="stalled")

    def probe(self) -> NodeReading:
        """Ask the node once (blocking, at most a few `timeout`s); the answer is also kept as `last`."""
        try:
            if self.w3.eth.chain_id != self.chain_id:
                reading = replace(self.last, state="wrong_chain")
            else:
                head = self.w3.eth.block_number
                reading = NodeReading("ok", head, self._paused(), self.clock())
        except requests.Timeout:
            reading = replace(self.last, state="stalled")
        except Exception:  # refused, reset, an HTTP error: requests raises several, all mean the same here
            reading = replace(self.last, state="unreachable")
        self.last = reading
        return reading

    def _paused(self) -> bool | None:
        if self.master is None:
            return None
        try:
            return self.master.call("paused")
        except requests.RequestException:
            raise  # the node, not the contract: the probe says which
        except Exception:  # no pause facet at the master: unknown, not a failure of the node
            return None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
