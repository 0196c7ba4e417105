"""Requests the gateway refuses before routing, logged like any other: a row with source `gateway`, the key's
org and agent, and the refusal as its status (router_core.statuses.REFUSED), never the key.

A refusal nobody is authenticated for (a missing or wrong key, or a body unreadable before the key was checked)
has no org; at most UNATTRIBUTED_PER_MINUTE of those are logged per process and minute, so a flood of bad
keys cannot fill the database. Every refusal is counted in /metrics (`switchboard_refused_total`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from ..router import Router
from ..sources import GATEWAY
from ..statuses import BUDGET_EXCEEDED, INVALID, RATE_LIMITED, UNAUTHORIZED
from ..store.keys import TeamKey
from ..types import Message
from .schemas import GatewayError

UNATTRIBUTED_PER_MINUTE = 10


def refusal_status(err: GatewayError) -> str | None:
    """The row status of an error the gateway answers itself; None for the router's own failures (503, 504,
    502), which the router logs."""
    if err.status == 429:
        return BUDGET_EXCEEDED if err.type == "budget_exceeded" else RATE_LIMITED
    return {400: INVALID, 404: INVALID, 401: UNAUTHORIZED}.get(err.status)


class MinuteCap:
    """At most `per_minute` events a minute (a token bucket refilled continuously), thread-safe."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:  # noqa: ANN001 - a () -> float
        self.per_minute, self.clock = per_minute, clock
        self.tokens, self.updated = float(per_minute), clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self.tokens = min(self.per_minute, self.tokens + (now - self.updated) * self.per_minute / 60)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


@dataclass
class Refused:
    """What is known of a refused chat request: its key (None: unauthenticated or an open gateway), whether
    anyone was authenticated, and what it asked when the body could be read."""

    key: TeamKey | None
    attributed: bool
    messages: list[Message]
    session_id: str | None
    started: float


class RefusalLog:
    """Logs refused chat requests through the Router (`Router.alog_refusal`)."""

    def __init__(self, router: Router, unattributed_per_minute: int = UNATTRIBUTED_PER_MINUTE) -> None:
        self.router = router
        self.cap = MinuteCap(unattributed_per_minute)

    def wanted(self, refused: Refused) -> bool:
        """Attributed refusals are always logged; unattributed ones while the cap allows."""
        return refused.attributed or self.cap.take()

    async def log(self, refused: Refused, status: str, err: GatewayError) -> None:
        key = refused.key
        await self.router.alog_refusal(
            refused.messages, status=status, error=f"{err.status} {err.type}: {err.message}",
            org=key.org if key else None, agent=key.agent if key else None, session_id=refused.session_id,
            source=GATEWAY, latency_ms=(time.perf_counter() - refused.started) * 1000)
