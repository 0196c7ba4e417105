"""The background writer: log rows, their attempt rows and cache entries committed in batches by one thread.

Callers hand a job over (`submit`) and get a Future of the row's id (or name a function the writer thread calls
with it, which costs the thread less); the writer thread takes the first job, lets
more arrive for up to `linger_s` (a reader waiting for the queue, or `close`, cuts that short), takes every job
waiting, up to `max_rows`, and commits them in ONE transaction (`Store.log_batch`). The queue is bounded: when
it is full the caller waits (backpressure), nothing is dropped.
A batch the database refuses fails each of its jobs with the StoreError (the caller keeps the row and writes
it later, see Router._persist); a batch failing for another reason is retried row by row, so one bad row
cannot sink the others. `close()` writes everything queued and stops the thread (it restarts on the next job);
every writer still running is flushed at interpreter exit.

Read-your-writes: callers do not wait for their row's commit, so a connection this process checks out for the
same database (from any Store's engine, see `synchronise_reads`) waits (`wait_for_queued`, at most READ_WAIT_S)
until the jobs queued before it are committed: what the process logged, its next read sees. The writer's own
connections, and the request path's reads inside `unsynced()` (a cache lookup, the active policy, an agent, a
key's admission), do not wait.

At-most-lost window on a hard kill (SIGKILL, power loss): the jobs not yet committed, i.e. those gathered in
the last `linger_s` (100 ms), the batch being written and any backlog behind it (at most `queue_rows` +
`max_rows`, a backlog only when the database is slower than the traffic). Their answers may have been returned
already (an answer does not wait for its commit) but none of their receipts had resolved. `close()`, a Router's
`close()`/`aclose()` and interpreter exit write everything queued.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from .errors import StoreError
from .pacing import pace_this_thread, paced
from .prepared import Write

if TYPE_CHECKING:
    from .facade import Store
    from .records import InteractionRecord

log = logging.getLogger("router_core")
MAX_ROWS = 200  # rows per transaction
QUEUE_ROWS = 2_000  # jobs waiting at most; beyond that the caller waits
LINGER_S = 0.1  # after the first job, how long the writer gathers more before it writes (unless a read waits)
READ_WAIT_S = 10.0  # how long a read waits for the rows queued before it (then it reads what is committed)

_unsynced = threading.local()


@contextmanager
def unsynced() -> Iterator[None]:
    """Database work in this block does not wait for the writer's queue (the request path's own reads)."""
    before = getattr(_unsynced, "on", False)
    _unsynced.on = True
    try:
        yield
    finally:
        _unsynced.on = before


Then = Callable[[int | None, BaseException | None], None]  # (the row's id, None) or (None, why it failed)


@dataclass
class Job:
    """One interaction row (or none) and the writes that go before it in its transaction (a cache entry, a hit).
    Its outcome goes to `then`, in the writer's thread; without one, to the `done` Future it then gets."""

    record: InteractionRecord | None
    steps: Sequence[Write] = ()
    then: Then | None = None  # never None once made: see __post_init__
    done: Future[int | None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.then is None:
            self.done = Future()
            self.then = partial(_settle, self.done)


def _settle(done: Future[int | None], interaction_id: int | None, exc: BaseException | None) -> None:
    """A job's outcome into its Future (a caller who gave up cancelled nothing: the row is written anyway)."""
    if done.cancelled():
        return
    if exc is None:
        done.set_result(interaction_id)
    else:
        done.set_exception(exc)


class BatchWriter:
    """One daemon thread writing `Job`s in batches (see the module docstring)."""

    def __init__(self, store: Store, *, max_rows: int = MAX_ROWS, queue_rows: int = QUEUE_ROWS,
                 linger_s: float = LINGER_S) -> None:
        self.store = store
        self.database: URL = store.engine.url
        self.max_rows = int(max_rows)
        self.linger_s = float(linger_s)
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=int(queue_rows))
        self._hurry = threading.Event()  # a reader waits, or `close`: stop gathering
        self.batches = 0  # transactions committed (for tests and benchmarks)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._queued = 0  # jobs ever queued ...
        self._finished = 0  # ... and ever committed or failed (in queue order: batches are written in turn)
        self._progress = threading.Condition()
        _RUNNING.add(self)

    def submit(self, record: InteractionRecord | None, steps: Sequence[Write] = (), *, block: bool = True,
               then: Then | None = None) -> Job:
        """Queue a job; once committed, its `done` Future resolves to the row's id (None without a record), or
        `then(id, None)` is called in the writer's thread (`then(None, error)` when the write failed).
        With `block=False` a full queue raises queue.Full (an async caller then waits in a worker thread)."""
        job = Job(record, tuple(steps), then)
        if not self._lock.acquire(blocking=block):  # another caller is waiting for room: so would this one
            raise queue.Full
        try:  # under the lock: never behind the stop mark of a `close` running now
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="router-writer", daemon=True)
                self._thread.start()
            self.jobs.put(job, block=block)
            self._queued += 1
        finally:
            self._lock.release()
        return job

    def wait_for_queued(self, timeout: float = READ_WAIT_S) -> bool:
        """Wait until every job queued so far is committed (or failed); False when `timeout` ran out first."""
        target = self._queued
        if self._finished < target:
            self._hurry.set()
        with self._progress:
            return self._progress.wait_for(lambda: self._finished >= target, timeout)

    def behind(self) -> int:
        """Jobs queued and not yet committed (or failed)."""
        return self._queued - self._finished

    def close(self) -> None:
        """Write every job queued so far, then stop the thread (a later job starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None or not thread.is_alive():
                return
            self.jobs.put(None)
            self._hurry.set()
        thread.join()

    def _serve(self) -> None:
        """Take the first job, let more arrive for up to `linger_s` (a waiting reader or `close` cuts it short; the
        callers' puts do not wake this thread meanwhile), take what is queued (up to max_rows), write them in one
        transaction, repeat."""
        _unsynced.on = True  # the writer's own connections never wait for its queue
        while True:
            first = self.jobs.get()
            if first is None:
                return
            pace_this_thread()
            if self.linger_s > 0 and self.jobs.qsize() < self.max_rows - 1:
                self._hurry.wait(self.linger_s)
            self._hurry.clear()
            batch, stop = [first], False
            while len(batch) < self.max_rows:
                try:
                    job = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            try:
                self._write(batch)
            finally:
                with self._progress:
                    self._finished += len(batch)
                    self._progress.notify_all()
            if stop:
                return

    def _write(self, batch: list[Job]) -> None:
        """One transaction for the batch; each job's `then` gets its row's id (or the StoreError)."""
        with_rows = [j for j in batch if j.record is not None]
        steps = [s for j in batch for s in j.steps]
        try:
            ids = self.store.log_batch([j.record for j in with_rows], steps)  # type: ignore[misc]
        except StoreError as exc:
            for job in batch:
                job.then(None, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bad row: write the batch row by row
            log.warning("a batch of %d log rows failed, writing them one by one: %s", len(batch), exc)
            for job in batch:
                self._write_one(job)
            return
        self.batches += 1
        by_job = dict(zip(map(id, with_rows), ids))
        for job in paced(batch):
            job.then(by_job.get(id(job)), None)

    def _write_one(self, job: Job) -> None:
        try:
            ids = self.store.log_batch([job.record] if job.record is not None else [], job.steps)
        except Exception as exc:  # noqa: BLE001 - reported to the caller, who keeps the row
            job.then(None, exc)
            return
        self.batches += 1
        job.then(ids[0] if ids else None, None)


_RUNNING: weakref.WeakSet[BatchWriter] = weakref.WeakSet()


def synchronise_reads(engine: Engine) -> None:
    """Every connection `engine` hands out first waits for the rows this process's writers queued for the same
    database (see the module docstring): a Store opened beside a Router reads what the Router logged."""
    database = engine.url

    def _read_barrier(_dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if getattr(_unsynced, "on", False):  # the request path, or a writer's own connection
            return
        for writer in list(_RUNNING):
            if writer.database == database and writer.behind() > 0 and not writer.wait_for_queued():
                log.warning("reading before %d queued log rows were committed", writer.behind())

    event.listen(engine, "checkout", _read_barrier)


def wait_for_writers(timeout: float = READ_WAIT_S) -> bool:
    """Wait until every job this process's writers queued so far is committed (for a reader that does not check
    out from a Store's engine: another connection to the same file, a script); False on timeout."""
    return all([writer.wait_for_queued(timeout) for writer in list(_RUNNING)])


@atexit.register
def _flush_all() -> None:
    """At interpreter exit: write what every live writer still has queued."""
    for writer in list(_RUNNING):
        try:
            writer.close()
        except Exception as exc:  # noqa: BLE001 - exiting anyway; say what happened
            log.error("log rows not written at exit: %s", exc)
