"""How many requests a provider serves at once: a slot count that a request waits for only briefly.

    slots = Slots(2)
    if await slots.acquire(wait_s=1.5):   # False: every slot stayed busy that long (try the next candidate)
        try: ...
        finally: slots.release()

Thread-safe and not tied to one event loop: the local engine's slots are shared by every Router of the
process (the Streamlit app's loop thread, the gateway, tests), so waiters are woken on their own loop.
Waiters are served first come, first served.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None] = field(repr=False)
    granted: bool = False  # set under the lock: the slot is this waiter's even if its wait timed out


class Slots:
    """At most `limit` holders at once; `acquire(wait_s)` gives up after `wait_s` seconds."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a capacity must be at least 1 (got {limit})")
        self.limit = limit
        self._used = 0
        self._waiters: deque[_Waiter] = deque()
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        return self._used

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, wait_s: float) -> bool:
        """Take a slot, waiting at most `wait_s` seconds for one; False when none came free in time."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._used < self.limit and not self._waiters:
                self._used += 1
                return True
            if wait_s <= 0:
                return False
            waiter = _Waiter(loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(wait_s):
                await waiter.future
            return True
        except (TimeoutError, asyncio.CancelledError) as exc:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
            if granted:  # handed over just as the wait ended: keep it when waiting timed out, else pass it on
                if isinstance(exc, TimeoutError):
                    return True
                self.release()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return False

    def release(self) -> None:
        """Give the slot back: to the longest waiter if there is one."""
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True
                try:
                    waiter.loop.call_soon_threadsafe(_wake, waiter.future)
                    return  # the slot passes to the waiter: `_used` stays the same
                except RuntimeError:  # its event loop is closed: nobody will take the slot there
                    continue
            self._used -= 1


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
