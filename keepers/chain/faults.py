"""Crash points for fault-injection tests: named places between two journal steps.

Production code calls ``faults.point("sender.journaled")`` where a crash would leave the
journal between two steps. Normally nothing happens. A test configures ``faults.crash_at``
(``LAPIDARY_FAULTS__CRASH_AT='["sender.journaled"]'`` for a keeper subprocess) and the
process raises :class:`InjectedFault` there, or kills itself with SIGKILL (``mode: kill``),
the way a power cut or the OOM killer would: no ``finally``, no flush. Every point is listed
in :data:`POINTS`, so a test can walk all of them and a misspelt name fails at once.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field

from keepers.config import FaultSettings

POINTS: dict[str, str] = {
    "sender.journaled": "a signed transaction is journaled, not yet broadcast",
    "sender.broadcast": "the node took the transaction; the journal does not know yet",
    "sender.mined": "a receipt was read; the journal still says pending",
    "arb.found": "an opportunity is journaled as found, nothing signed",
    "arb.signed": "bundle transactions are signed and journaled, not sent to any relay",
    "arb.relayed": "the relays took the bundle; the journal does not know yet",
    "rewards.computed": "an epoch's allocation and tree are journaled, its root not sent",
    "rewards.sent": "the root's transaction is journaled and broadcast; the epoch row still says computed",
    "gasless.admitted": "a request is journaled as queued",
    "gasless.sent": "its transaction is journaled and broadcast; the request row still says queued",
    "gasless.settled": "its transaction is mined; the request row still says submitted",
}


class InjectedFault(RuntimeError):
    """Raised at a crash point a test asked for."""


@dataclass
class Faults:
    crash_at: frozenset[str] = frozenset()
    mode: str = "raise"  # raise | kill
    after: int = 1  # crash at the n-th time a point is reached
    _hits: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.crash_at) - POINTS.keys()
        if unknown:
            raise ValueError(f"unknown crash points {sorted(unknown)}; known: {sorted(POINTS)}")

    @classmethod
    def from_settings(cls, settings: FaultSettings) -> Faults:
        return cls(frozenset(settings.crash_at), settings.mode, settings.after)

    def point(self, name: str) -> None:
        """Crash here if a test asked to; otherwise nothing."""
        if name not in POINTS:
            raise ValueError(f"unknown crash point {name!r}")
        if name not in self.crash_at:
            return
        with self._lock:
            self._hits[name] = hits = self._hits.get(name, 0) + 1
        if hits != self.after:
            return
        if self.mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise InjectedFault(f"injected fault at {name}")


NO_FAULTS = Faults()
