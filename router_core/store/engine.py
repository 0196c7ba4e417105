"""Engines: URL normalising, SQLite's WAL / busy settings, and the lock schema changes run under.

`create_engine("sqlite:///data/router.db")` (WAL, busy_timeout, synchronous=NORMAL, usable from any thread;
in-memory databases share one connection) or a PostgreSQL URL (psycopg 3, pooled).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool

SCHEMA_LOCK_ID = 74210351  # pg_advisory_xact_lock key held while the schema is created or migrated
POLICY_LOCK_ID = 74210352  # ... while the active routing policy changes


def normalize_url(database_url: str) -> str:
    """Pick the psycopg 3 driver for bare PostgreSQL URLs (`postgresql://`, `postgres://`)."""
    url = database_url.strip()
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_memory_url(url: str) -> bool:
    """An in-memory SQLite database (one shared connection)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or database.startswith("file::memory:"))


def create_engine(url: str, *, busy_timeout_ms: int = 5000, echo: bool = False) -> Engine:
    """A pooled engine for `url` (already normalised); SQLite connections get WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=40, pool_timeout=30)
    memory = is_memory_url(url)
    if memory:
        engine = sa.create_engine(url, echo=echo, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        if not (parsed.database or "").startswith("file:"):  # a URI filename names a file that must exist already
            Path(parsed.database or "").expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, echo=echo, pool_size=8, max_overflow=24, pool_timeout=60,
                                  connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-16000")  # 16 MB per connection
        cur.close()

    return engine


def without_password(engine: Engine, text: str) -> str:
    """`text` with the database password (if the URL has one) masked."""
    password = engine.url.password
    return text.replace(str(password), "***") if password else text


def is_busy(exc: BaseException) -> bool:
    """The database was locked or a transaction lost a race: worth retrying."""
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("database is locked", "database is busy", "database table is locked",
                                   "could not serialize", "deadlock detected"))


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that no other instance's schema change runs beside: SQLite's write lock taken up front
    (BEGIN IMMEDIATE), PostgreSQL's advisory lock. Committed on success, rolled back on any error."""
    with write_transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_ID})")
        yield conn


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite the write lock is taken up front (BEGIN IMMEDIATE), so two writers never
    both read and then fail to upgrade. Committed on success, rolled back on any error."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")


def run_locked(engine: Engine, work: Callable[[Connection], None], *, tries: int = 5) -> None:
    """Run `work(conn)` under the schema lock, retrying briefly when the database is busy."""
    for attempt in range(tries):
        try:
            with _locked(engine) as conn:
                work(conn)
            return
        except (OperationalError, DBAPIError) as exc:
            if attempt < tries - 1 and (is_busy(exc) or "already exists" in str(exc)):
                time.sleep(0.05 * (attempt + 1))
                continue
            raise


def policy_lock(conn: Connection) -> None:
    """Serialise policy changes across instances (PostgreSQL; SQLite's writers are serial already)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POLICY_LOCK_ID})")
