"""The key store's writes off the event loop, on one thread: the admissions and settlements waiting at the same
moment run in ONE transaction (`KeyStore.batch`).

Why one thread: on SQLite a second writer thread does not queue behind the first, it sleeps in SQLite's busy
handler (a millisecond at least, however short the first transaction), and every transaction costs more than its
few UPDATEs. Budgets hold as before: each admission's conditional UPDATEs run in order inside the transaction and
see the ones before it, and other processes see the batch commit as one. A batch that fails is retried op by op,
so one bad op cannot sink the others.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..store.keys import Admit, KeyStore, Refusal, Reservation, Settle
from ..store.writer import unsynced

MAX_OPS = 200  # ops per transaction
Result = Reservation | Refusal | None


@dataclass(eq=False)
class _Job:
    """One op on its way: made on the thread by `prepare`, its result handed back to `loop`."""

    prepare: Callable[[], Admit | Settle]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future = field(init=False)
    op: Admit | Settle | None = None

    def __post_init__(self) -> None:
        self.future = self.loop.create_future()

    def deliver(self, result: Result | BaseException) -> None:
        """Hand the result (or the exception) to the awaiting coroutine, if it still waits."""
        try:
            self.loop.call_soon_threadsafe(_resolve, self.future, result)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass


def _resolve(future: asyncio.Future, result: Any) -> None:
    if future.done():  # cancelled while waiting
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class KeyWork:
    """One daemon thread running `KeyStore.batch` over what is waiting (started on first use, stopped by
    `close`)."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def admit(self, prepare: Callable[[], Admit]) -> Reservation | Refusal | None:
        """`prepare()` runs on the thread, before and outside the transaction (the worst case may read the
        database); the admission then runs in the next batch, and the key's last use is recorded."""
        return await self._submit(_Job(prepare, asyncio.get_running_loop()))

    async def settle(self, op: Settle) -> None:
        await self._submit(_Job(lambda: op, asyncio.get_running_loop()))

    async def _submit(self, job: _Job) -> Result:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="gateway-keys", daemon=True)
                self._thread.start()
            self._jobs.put(job)
        return await job.future

    def close(self) -> None:
        """Finish what is queued and stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._jobs.put(None)
        if thread is not None:
            thread.join()

    def _serve(self) -> None:
        with unsynced():  # the key store's tables are not the log's: never wait for the log rows queued
            while True:
                jobs = self._next_batch()
                self._run([job for job in jobs if job is not None])
                if any(job is None for job in jobs):
                    return

    def _next_batch(self) -> list[_Job | None]:
        """What is waiting: at least one job (None: the stop signal), at most MAX_OPS; it never waits for more."""
        jobs = [self._jobs.get()]
        while len(jobs) < MAX_OPS and not self._jobs.empty():
            jobs.append(self._jobs.get())
        return jobs

    def _run(self, jobs: list[_Job]) -> None:
        ready: list[_Job] = []
        for job in jobs:
            try:
                job.op = job.prepare()
                ready.append(job)
            except Exception as exc:  # noqa: BLE001 - that request's error, not the batch's
                job.deliver(exc)
        if not ready:
            return
        results: list[Result | BaseException]
        try:
            results = list(self.keys.batch([job.op for job in ready]))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - retried one by one below
            results = [self._alone(job.op) for job in ready]  # type: ignore[arg-type]
        for job, result in zip(ready, results):
            if isinstance(job.op, Admit) and not isinstance(result, (Refusal, BaseException)):
                try:
                    self.keys.touch(job.op.key)
                except Exception as exc:  # noqa: BLE001 - as before: the request fails with it
                    result = exc
            job.deliver(result)

    def _alone(self, op: Admit | Settle) -> Result | BaseException:
        try:
            return self.keys.batch([op])[0]
        except Exception as exc:  # noqa: BLE001 - that request's error
            return exc
