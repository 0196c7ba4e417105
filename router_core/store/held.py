"""The request path's one-row reads (a cache lookup) on a connection each thread keeps checked out.

Checking a connection out of the pool and returning it cost the request path more than the read itself (py-spy
on benchmarks/overhead.py: a third of a cache lookup). SQLite files only: there a connection outside a
transaction holds no lock and sees every commit. Elsewhere each read checks a connection out as usual: an
in-memory SQLite database is one shared connection, and a PostgreSQL connection must end its transaction, which
the pool does on return. A read that fails drops the thread's connection; the next read opens another.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.engine import Engine

from .engine import is_memory_url
from .prepared import Prepared


class HeldReads:
    """`first(statement, values)`: one row from this thread's own connection to `engine` (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.held = engine.dialect.name == "sqlite" and not is_memory_url(str(engine.url))
        self._mine = threading.local()  # .raw: this thread's connection, .round: the `_round` it was taken in
        self._all: dict[threading.Thread, Any] = {}  # every thread's connection, for close() and `_keep`
        self._round = 0  # close() starts a new round: connections of an earlier one were given back
        self._lock = threading.Lock()

    def first(self, statement: Prepared, values: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row `statement` (a SELECT) gives for `values`, or None."""
        raw = self._kept() if self.held else None
        if raw is None:
            raw = self.engine.raw_connection()
            if self.held:
                self._keep(raw)
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(statement.sql, statement.params(values))
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            if self.held:
                self._drop(raw)
            raise
        finally:
            if not self.held:
                raw.close()  # back to the pool, which ends any read transaction the driver opened
        return None if row is None else tuple(row)

    def _kept(self) -> Any:
        """This thread's connection, if it has one of the current round."""
        return self._mine.raw if getattr(self._mine, "round", -1) == self._round else None

    def _keep(self, raw: Any) -> None:
        """Keep `raw` for this thread, and give back the connections of threads that have ended (a web server's
        short-lived threads would otherwise hold the pool)."""
        self._mine.raw, self._mine.round = raw, self._round
        with self._lock:
            ended = [thread for thread in self._all if not thread.is_alive()]
            gone = [self._all.pop(thread) for thread in ended]
            self._all[threading.current_thread()] = raw
        for old in gone:
            old.close()

    def _drop(self, raw: Any) -> None:
        self._mine.raw = None
        with self._lock:
            self._all.pop(threading.current_thread(), None)
        raw.invalidate()  # a broken connection is not given back to the pool

    def close(self) -> None:
        """Give every thread's connection back to the pool (before the engine is disposed)."""
        with self._lock:
            held, self._all = list(self._all.values()), {}
            self._round += 1
        for raw in held:
            raw.close()
