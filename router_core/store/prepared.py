"""Statements compiled once for the engine's dialect and run through the driver directly.

The background writer commits every log row through these: no statement compile, no ORM object and no per-row
trip through SQLAlchemy's parameter machinery (only the column types that need converting, like times on
SQLite, are converted). That is most of what a logged row cost the process before (see benchmarks/overhead.py).

On SQLite an INSERT of many rows is one statement with many VALUES groups, not an executemany: the driver gives
the interpreter lock up around every statement it steps, and the request thread, which takes it back meanwhile,
then waits for the writer's thread to wake up and hand it over again: one such hand-off per row. With a few per
batch instead (and the writer's own hand-offs once a millisecond, store/pacing.py), benchmarks/overhead.py did
10-19% more requests per second at concurrency 50.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from .pacing import paced


class Prepared:
    """`statement` (an INSERT, an upsert or a SELECT) in the driver's SQL and parameter style; an INSERT binds
    `columns` (the others take their defaults)."""

    def __init__(self, statement: sa.Executable, dialect: Dialect, columns: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=None if columns is None else list(columns))
        self.sql = compiled.string
        self._positional = compiled.positiontup is not None
        self._order = tuple(compiled.positiontup) if self._positional else tuple(compiled.binds)
        # literals the statement binds itself (`hit_count + 1`); the caller gives every other value
        self._own = {name: bind.value for name, bind in compiled.binds.items()
                     if bind.value is not None and not bind.required}
        self._values = _getter(self._order)
        self._slot = {name: i for i, name in reversed(list(enumerate(self._order)))}  # first place of each name
        self._convert: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (i, process) for i, name in enumerate(self._order)
            if (process := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None)
        self._rows_sql = _rows_sql(self.sql) if dialect.name == "sqlite" and self._positional else None
        self._width = len(self._order)

    def params(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """One row's parameters for the driver (a tuple for positional styles, else a dict)."""
        if self._own:
            row = {**self._own, **row}
        values = self._values(row)
        if self._convert:
            values = list(values)
            for i, convert in self._convert:
                values[i] = convert(values[i])
        return tuple(values) if self._positional else dict(zip(self._order, values))

    def run(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """`rows` written inside the caller's transaction (as `run_ready` runs them)."""
        self.run_ready(conn, [self.params(row) for row in paced(rows)])

    def run_ready(self, conn: Connection, params: list[tuple[Any, ...] | dict[str, Any]]) -> None:
        """Parameters `params` made (outside the transaction, so it stays short), run as one executemany, or on
        SQLite as a few INSERTs of many rows each (see the module docstring)."""
        if len(params) > 1 and self._rows_sql is not None and self._width:
            most = _variable_limit(conn) // self._width
            for n in _chunk_sizes(len(params), most):
                chunk, params = params[:n], params[n:]
                conn.exec_driver_sql(self._rows_sql(n), tuple(chain.from_iterable(chunk)))  # type: ignore[arg-type]
        elif params:
            conn.exec_driver_sql(self.sql, params)  # type: ignore[arg-type]

    def rebound(self, params: tuple[Any, ...] | dict[str, Any], name: str,
                value: Any) -> tuple[Any, ...] | dict[str, Any]:
        """`params` (from `params`) with `name`, a column needing no conversion (an id known only inside the
        transaction), bound to `value`."""
        if isinstance(params, dict):
            return {**params, name: value}
        i = self._slot[name]
        return (*params[:i], value, *params[i + 1:])

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """One execution with `values` inside the caller's transaction; the number of rows it changed."""
        return conn.exec_driver_sql(self.sql, self.params(values)).rowcount  # type: ignore[arg-type]


MAX_ROWS_PER_INSERT = 256


def _rows_sql(sql: str) -> Callable[[int], str] | None:
    """For an INSERT with one VALUES group, a function giving the same INSERT with n such groups (the text of
    each size made once); None for any other statement."""
    head, sep, rest = sql.partition(" VALUES (")
    group, close, tail = rest.partition(")")
    if not sql.startswith("INSERT") or not sep or not close or "(" in group or " VALUES (" in tail:
        return None
    one = f"({group})"

    @cache  # sizes are powers of two (`_chunk_sizes`): a handful of texts per statement
    def rows_sql(n: int) -> str:
        return f"{head} VALUES {', '.join([one] * n)}{tail}"

    return rows_sql


def _variable_limit(conn: Connection) -> int:
    """How many parameters one statement may bind on this SQLite connection (999 before SQLite 3.32)."""
    driver = conn.connection.driver_connection
    return int(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) if hasattr(driver, "getlimit") else 999


def _chunk_sizes(n: int, most: int) -> list[int]:
    """`n` rows as INSERT sizes: the largest power of two up to `most` (and MAX_ROWS_PER_INSERT) while it fits,
    then the powers of two of what is left, so a statement comes in only a few sizes."""
    top = 1 << max(0, min(most, MAX_ROWS_PER_INSERT).bit_length() - 1)
    sizes = [top] * (n // top)
    rest = n % top
    while rest:
        size = 1 << (rest.bit_length() - 1)
        sizes.append(size)
        rest -= size
    return sizes


def _getter(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function giving a mapping's values for `names`, as a tuple (whatever their number)."""
    if len(names) > 1:
        return itemgetter(*names)
    return lambda row: tuple(row[name] for name in names)


@dataclass(frozen=True)
class Write:
    """One row for a prepared statement, written later inside the background writer's transaction."""

    statement: Prepared
    row: Mapping[str, Any]


def ready_writes(writes: Iterable[Write]) -> list[tuple[Prepared, list[tuple[Any, ...] | dict[str, Any]]]]:
    """`writes` with their parameters made, consecutive writes of one statement together (one `run_ready` each in
    `run_ready_writes`)."""
    return [(statement, [statement.params(w.row) for w in paced(group)])
            for statement, group in groupby(writes, key=lambda w: w.statement)]


def run_ready_writes(conn: Connection, ready: Iterable[tuple[Prepared, list[Any]]]) -> None:
    """What `ready_writes` made, in order, inside the caller's transaction."""
    for statement, params in ready:
        statement.run_ready(conn, params)


def next_ids(conn: Connection, table: sa.Table, n: int) -> list[int]:
    """`n` fresh ids for `table` (an integer `id` primary key), taken inside the caller's write transaction:
    PostgreSQL draws them from the column's sequence; SQLite, whose write lock the transaction holds (BEGIN
    IMMEDIATE), continues after the largest id. Rows inserted with them need no RETURNING."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {int(n)})")
        return sorted(int(r[0]) for r in rows)
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar()
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + n))
