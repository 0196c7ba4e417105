"""Identical requests in flight, computed once: the first one with a key leads, the others await its outcome.

    flights = Flights()
    waiting = flights.join(key)          # None: this caller leads and must call `finish(key, outcome)` once
    if waiting is not None:
        outcome = await follow(waiting)  # the leader's Completion or error, or None when it gave up

Thread-safe and not tied to one event loop (the blocking methods run on the router's loop thread while the
gateway or a test uses its own loop). The router decides what the outcome means (router.py, step 2b).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class Flights(Generic[T]):
    """Keys being computed right now, each with the future its followers wait on (made by the first follower:
    most keys never get one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Future[T | None] | None] = {}

    def join(self, key: str) -> Future[T | None] | None:
        """None when nobody computes `key` yet: the caller now leads it. Otherwise the leader's future."""
        with self._lock:
            if key not in self._flights:
                self._flights[key] = None
                return None
            flight = self._flights[key]
            if flight is None:
                flight = self._flights[key] = Future()
            return flight

    def finish(self, key: str, outcome: T | None) -> None:
        """The leader's outcome for every follower (None: it gave up; they compute on their own)."""
        with self._lock:
            flight = self._flights.pop(key)
        if flight is not None:
            flight.set_result(outcome)

    def __len__(self) -> int:
        return len(self._flights)


async def follow(flight: Future[T | None]) -> T | None:
    """Await a leader's outcome from any event loop. Cancelling this wait leaves the flight to the others."""
    loop = asyncio.get_running_loop()
    mine: asyncio.Future[T | None] = loop.create_future()

    def settle(done: Future[T | None]) -> None:
        try:
            loop.call_soon_threadsafe(_set, mine, done.result())
        except RuntimeError:  # this follower's loop is closed: nobody is waiting there any more
            pass

    flight.add_done_callback(settle)
    return await mine


def _set(future: asyncio.Future[T | None], outcome: T | None) -> None:
    if not future.done():
        future.set_result(outcome)
