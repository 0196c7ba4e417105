"""Persistence: SQLModel tables on SQLite (WAL) by default, or any SQLAlchemy URL (PostgreSQL via psycopg).

Everything Switchboard remembers lives here: one row per routed request (`interaction_logs`), one
row per provider attempt of those requests (`attempt_logs`, what the per-provider health figures count), the
response cache (`response_cache`, used by `cache.py`), saved agents (`agent_catalog`), routing
policies (`routing_policies`), provider health history (`health_checks`), side-by-side comparisons
(`comparisons` + `comparison_results`) and the schema version (`schema_meta`).

Times use SQLModel's `UTCDateTime` (timestamptz on PostgreSQL, 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text on
SQLite) and come back as UTC-aware datetimes. Arguments may be aware (converted) or naive (taken as UTC).

Schema versions:
  v1  the seed's shape: `interaction_logs` without ttft_ms / cached_input_tokens / reasoning_tokens /
      attempts / feedback / simulated (timestamps possibly ISO text with a "T", `cached` an integer),
      `response_cache` without expires_at, and `agent_catalog`; no `schema_meta`.
  v2  v1 plus the columns it lacked, `schema_meta`, routing policies, health checks and comparisons.
  v3  v2 plus `attempt_logs`, backfilled from each interaction's `attempts` JSON (see `attempt_rows`).
  v4  this module: `attempt_logs` also carries its interaction's org and agent (so filtered per-provider
      figures read attempt_logs alone). Opening a v1, v2 or v3 database migrates it in place, keeping every
      row: v1/v2 through the backfill, v3 by copying org / agent from interaction_logs in chunks.
  v5  `interaction_logs.source` (playground, gateway, ...; NULL on older rows), added in place.

Nothing here reads or stores a secret; error messages never include the database password.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, registry
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from .errors import RouterError, redact

if TYPE_CHECKING:  # pandas is imported only by the read paths, to keep routing's import light
    import pandas as pd

SCHEMA_VERSION = 5
LEGACY_CACHE_TTL = timedelta(days=1)  # v1 cache rows had no expiry: they live this long after created_at


class StoreError(RouterError):
    """The database could not do what was asked (locked for too long, unreachable, unknown id, ...).
    The message never carries a secret (key-shaped strings and registered secrets are masked)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


class StoreModel(SQLModel, registry=registry()):
    """Base of Switchboard's tables: their own metadata, so nobody else's SQLModel tables mix in."""


def _text(nullable: bool = True, default: str | None = None) -> Any:
    kw: dict[str, Any] = {"sa_type": sa.Text, "nullable": nullable}
    if default is not None:
        kw["default"] = default
    return Field(**kw)


def _index(name: str, *columns: str, sqlite: bool | None = None) -> sa.Index:
    """An index on every database (`sqlite=None`), only on SQLite (True) or everywhere but SQLite (False):
    SQLite and a planner with hash joins and parallel scans want different access paths, and every
    index costs each write."""
    index = sa.Index(name, *columns, info={"sqlite": sqlite})
    if sqlite is not None:
        index.ddl_if(callable_=lambda ddl, target, bind, **kw: _index_applies(target, kw["dialect"].name))
    return index


def _index_applies(index: sa.Index, dialect: str) -> bool:
    only = index.info.get("sqlite")
    return only is None or only == (dialect == "sqlite")


# Columns the dashboards read; the analytics indexes carry them so queries never touch the table rows.
ANALYTICS_COLUMNS = ("org", "agent", "status", "cached", "complexity", "provider", "model", "cost_usd",
                     "baseline_cost_usd", "latency_ms", "input_tokens", "output_tokens")


class InteractionLog(StoreModel, table=True):
    __tablename__ = "interaction_logs"
    __table_args__ = (
        # Request log: every filter index ends in ts, so "WHERE x = ? ORDER BY ts DESC LIMIT n" walks it.
        sa.Index("ix_interaction_logs_org_ts", "org", "ts"),
        sa.Index("ix_interaction_logs_agent_ts", "agent", "ts"),
        sa.Index("ix_interaction_logs_provider_ts", "provider", "ts"),
        sa.Index("ix_interaction_logs_status_ts", "status", "ts"),
        # Dashboards (analytics.py): covering indexes, so an aggregate reads a narrow index in order and
        # never the wide rows (prompt, response, messages_json), and GROUP BY needs no sort.
        sa.Index("ix_interaction_logs_ts", "ts", *ANALYTICS_COLUMNS),
        sa.Index("ix_interaction_logs_complexity_ts", "complexity", "ts",
                 *[c for c in ANALYTICS_COLUMNS if c != "complexity"]),
        sa.Index("ix_interaction_logs_provider_model_ts", "provider", "model", "ts",
                 *[c for c in ANALYTICS_COLUMNS if c not in ("provider", "model")]),
        # Nearest-rank percentiles: walk latencies in order instead of sorting them. (Per provider they come
        # from attempt_logs since v3, whose migration drops v2's ix_interaction_logs_provider_latency.)
        sa.Index("ix_interaction_logs_latency", "status", "latency_ms", "ts", "org", "agent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    org: str | None = None
    agent: str | None = None
    session_id: str | None = None
    prompt: str = _text(nullable=False, default="")
    messages_json: str = _text(nullable=False, default="[]")
    response: str | None = _text()
    complexity: str = Field(default="", nullable=False)
    score: float = Field(default=0.0, nullable=False)
    reasons: str = _text(nullable=False, default="[]")
    provider: str | None = None
    model: str | None = None
    input_tokens: int = Field(default=0, nullable=False)
    output_tokens: int = Field(default=0, nullable=False)
    cached_input_tokens: int = Field(default=0, nullable=False)
    reasoning_tokens: int = Field(default=0, nullable=False)
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    latency_ms: float = Field(default=0.0, nullable=False)
    ttft_ms: float | None = None
    cached: bool = Field(default=False, nullable=False)
    status: str = Field(default="ok", nullable=False)
    error: str | None = _text()
    attempts: str = _text(nullable=False, default="[]")
    feedback: int = Field(default=0, nullable=False)
    simulated: bool = Field(default=False, nullable=False)
    source: str | None = None


class AttemptLog(StoreModel, table=True):
    """One try of one provider for one interaction: what error rates and provider latency are counted from.

    Written with its interaction, in the same transaction. `ts` is the interaction's ts (so attempt windows
    and request windows agree); `outcome` is "ok" or "error" (skipped candidates were never tried, cache
    hits tried nobody); `status` is the provider's HTTP status when there was one. `org` and `agent` are
    copied from the interaction (since v4), so org / agent filters read attempt_logs alone, no join.
    No foreign key: rows are only ever inserted with their interaction, and the check would cost every write.

    Indexes (covering: the aggregates never read the table rows), as few as the queries need, to keep
    `Store.log_interaction` cheap:
      everywhere     (interaction_id, ...)  an interaction's attempts
      SQLite         (provider, ts, ...)    per provider, one range seek per window: no GROUP BY sort
                     (provider, outcome, latency_ms, ts)  nearest-rank percentiles by an index walk
                     (org, provider, outcome, latency_ms, ts, agent)  the same for one org (and agent):
                                            GROUP BY provider in index order, percentiles by a walk
                     (agent, provider, outcome, latency_ms, ts)       the same for one agent
      other          (ts, provider, outcome, latency_ms, org, agent)  the window's range, org / agent
                                            filtered inside the index, aggregated by the planner
    """

    __tablename__ = "attempt_logs"
    __table_args__ = (
        _index("ix_attempt_logs_interaction", "interaction_id", "provider", "outcome", "latency_ms"),
        _index("ix_attempt_logs_provider_ts", "provider", "ts", "outcome", "latency_ms", sqlite=True),
        _index("ix_attempt_logs_provider_latency", "provider", "outcome", "latency_ms", "ts", sqlite=True),
        _index("ix_attempt_logs_org", "org", "provider", "outcome", "latency_ms", "ts", "agent", sqlite=True),
        _index("ix_attempt_logs_agent", "agent", "provider", "outcome", "latency_ms", "ts", sqlite=True),
        _index("ix_attempt_logs_ts_provider", "ts", "provider", "outcome", "latency_ms", "org", "agent",
               sqlite=False),
    )

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(nullable=False)
    ts: datetime = Field(nullable=False)
    provider: str = Field(nullable=False)
    model: str | None = None
    outcome: str = Field(nullable=False)
    status: int | None = None
    latency_ms: float = Field(default=0.0, nullable=False)
    retryable: bool | None = None
    org: str | None = None
    agent: str | None = None


class ResponseCacheEntry(StoreModel, table=True):
    __tablename__ = "response_cache"
    __table_args__ = (sa.Index("ix_response_cache_expires_at", "expires_at"),)

    key: str = Field(primary_key=True)
    prompt_preview: str | None = _text()
    response: str = _text(nullable=False, default="")
    provider: str | None = None
    model: str | None = None
    input_tokens: int = Field(default=0, nullable=False)
    output_tokens: int = Field(default=0, nullable=False)
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    hit_count: int = Field(default=0, nullable=False)
    last_hit_at: datetime | None = None
    saved_usd: float = Field(default=0.0, nullable=False)


class Agent(StoreModel, table=True):
    """A saved agent: a named system prompt the chat can route under (`agent=code`)."""

    __tablename__ = "agent_catalog"

    code: str = Field(primary_key=True)
    name: str = ""
    role: str = ""
    system_prompt: str = _text(nullable=False, default="")


class RoutingPolicyRow(StoreModel, table=True):
    __tablename__ = "routing_policies"

    name: str = Field(primary_key=True)
    data_json: str = _text(nullable=False, default="{}")
    active: bool = Field(default=False, nullable=False)
    revision: int = Field(default=0, nullable=False)
    updated_at: datetime | None = None


class HealthCheck(StoreModel, table=True):
    __tablename__ = "health_checks"
    __table_args__ = (sa.Index("ix_health_checks_ts", "ts"), sa.Index("ix_health_checks_provider_ts", "provider", "ts"))

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    provider: str = Field(nullable=False)
    reachable: bool = Field(nullable=False)
    latency_ms: float | None = None
    detail: str = _text(nullable=False, default="")


class Comparison(StoreModel, table=True):
    __tablename__ = "comparisons"
    __table_args__ = (sa.Index("ix_comparisons_ts", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    prompt: str = _text(nullable=False, default="")
    system: str | None = _text()
    winner: str | None = None
    voted_at: datetime | None = None


class ComparisonResult(StoreModel, table=True):
    __tablename__ = "comparison_results"
    __table_args__ = (sa.Index("ix_comparison_results_comparison_id", "comparison_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comparison_id: int = Field(foreign_key="comparisons.id", nullable=False)
    position: int = Field(default=0, nullable=False)
    target: str = Field(nullable=False)
    provider: str | None = None
    model: str | None = None
    text: str | None = _text()
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = _text()


class SchemaMeta(StoreModel, table=True):
    __tablename__ = "schema_meta"

    key: str = Field(primary_key=True)
    value: str = ""


METADATA = StoreModel.metadata
T_LOG: sa.Table = InteractionLog.__table__  # type: ignore[assignment]
T_ATTEMPT: sa.Table = AttemptLog.__table__  # type: ignore[assignment]
T_CACHE: sa.Table = ResponseCacheEntry.__table__  # type: ignore[assignment]
T_AGENT: sa.Table = Agent.__table__  # type: ignore[assignment]
T_POLICY: sa.Table = RoutingPolicyRow.__table__  # type: ignore[assignment]
T_HEALTH: sa.Table = HealthCheck.__table__  # type: ignore[assignment]
T_CMP: sa.Table = Comparison.__table__  # type: ignore[assignment]
T_CMP_RES: sa.Table = ComparisonResult.__table__  # type: ignore[assignment]
T_META: sa.Table = SchemaMeta.__table__  # type: ignore[assignment]

LOG_COLUMNS: list[str] = [c.name for c in T_LOG.columns]

DEFAULT_AGENTS: list[dict[str, str]] = [
    {"code": "support", "name": "Support agent", "role": "Customer support",
     "system_prompt": "You are a friendly, patient customer-support agent. Answer clearly and briefly, "
                      "ask one clarifying question when the request is ambiguous, and never invent "
                      "policies, prices or order details you were not given."},
    {"code": "coder", "name": "Coding assistant", "role": "Software engineering",
     "system_prompt": "You are a senior software engineer. Give correct, idiomatic, tested code with a short "
                      "explanation. Point out edge cases and security issues. Say so when you are unsure."},
    {"code": "analyst", "name": "Data analyst", "role": "Analysis",
     "system_prompt": "You are a careful data analyst. Reason step by step, show the calculation, state your "
                      "assumptions, and separate what the data shows from what it merely suggests."},
    {"code": "writer", "name": "Writer", "role": "Writing and editing",
     "system_prompt": "You are a concise professional writer and editor. Match the requested tone and "
                      "length, prefer plain words and active voice, and keep the author's meaning."},
    {"code": "tutor", "name": "Tutor", "role": "Teaching",
     "system_prompt": "You are a patient tutor. Explain ideas from first principles with a small example, "
                      "check understanding with a short question, and adapt to the learner's level."},
]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_db_time(value: datetime | str | float | int | None) -> datetime | None:
    """Aware UTC for the database: aware datetimes are converted, naive ones are taken as UTC,
    numbers are epoch seconds, strings are ISO 8601."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def from_db_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _json_default(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def _loads_list(text: str | None) -> list:
    if not text:
        return []
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return [text]
    return value if isinstance(value, list) else [value]


def _enum_str(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def normalize_url(database_url: str) -> str:
    """Pick the psycopg 3 driver for bare PostgreSQL URLs (`postgresql://`, `postgres://`)."""
    url = database_url.strip()
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _is_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(s in text for s in ("database is locked", "database is busy", "database table is locked",
                                   "could not serialize", "deadlock detected"))


def _frame(result: sa.CursorResult | sa.Result, time_cols: Sequence[str] = ()) -> pd.DataFrame:
    import pandas as pd

    keys = list(result.keys())
    df = pd.DataFrame.from_records(result.fetchall(), columns=keys)
    for col in time_cols:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _latency(value: Any) -> float:
    try:
        ms = float(value)
    except (TypeError, ValueError):
        return 0.0
    return ms if math.isfinite(ms) else 0.0


def attempt_rows(attempts: Sequence[Any] | None, *, provider: str | None, model: str | None, status: str | None,
                 latency_ms: Any, cached: Any, org: str | None = None,
                 agent: str | None = None) -> list[dict[str, Any]]:
    """The attempt_logs rows of one interaction (without interaction_id and ts), from its attempt trail and
    its own provider, model, status ("ok" / "error"), latency_ms, cached flag, org and agent (copied to
    every row):

    * a cache hit tried no provider: no rows, whatever its trail says;
    * each "ok" / "error" attempt is a row; "skipped" candidates (and malformed entries) are not attempts;
    * an interaction that names a provider but has no trail (written by something other than the router, or
      before trails existed) counts as one attempt of that provider, with its own status and latency.
    """
    if cached:
        return []
    rows: list[dict[str, Any]] = []
    for attempt in attempts or ():
        if is_dataclass(attempt) and not isinstance(attempt, type):
            attempt = attempt.__dict__
        if not isinstance(attempt, dict):
            continue
        outcome = _enum_str(attempt.get("outcome"))
        who = attempt.get("provider")
        if outcome not in ("ok", "error") or not who:
            continue
        retryable = attempt.get("retryable")
        what = attempt.get("model")
        rows.append({"provider": str(who), "model": None if what is None else str(what), "outcome": outcome,
                     "status": _int_or_none(attempt.get("status")), "latency_ms": _latency(attempt.get("latency_ms")),
                     "retryable": None if retryable is None else bool(retryable), "org": org, "agent": agent})
    if not rows and provider:
        rows.append({"provider": str(provider), "model": None if model is None else str(model),
                     "outcome": "ok" if (status or "ok") == "ok" else "error", "status": None,
                     "latency_ms": _latency(latency_ms), "retryable": None, "org": org, "agent": agent})
    return rows


# --------------------------------------------------------------------------------------------------
# The record the router builds
# --------------------------------------------------------------------------------------------------


@dataclass
class InteractionRecord:
    """One row of interaction_logs, built by the router."""

    org: str | None
    agent: str | None
    session_id: str | None
    prompt: str  # last user message
    messages_json: str  # the whole request as JSON
    response: str | None
    complexity: str
    score: float
    reasons: list[str]
    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    reasoning_tokens: int
    cost_usd: float | None
    baseline_cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None
    cached: bool
    status: str  # "ok" | "error"
    error: str | None
    attempts: list[dict] = field(default_factory=list)
    simulated: bool = False
    ts: datetime | None = None  # default now (UTC)
    source: str | None = None  # playground, gateway, cli, ...

    def to_row(self) -> dict[str, Any]:
        messages = self.messages_json if isinstance(self.messages_json, str) else dumps(self.messages_json)
        return {
            "ts": to_db_time(self.ts) or utcnow(),
            "org": self.org, "agent": self.agent, "session_id": self.session_id,
            "prompt": self.prompt or "", "messages_json": messages, "response": self.response,
            "complexity": str(_enum_str(self.complexity) or ""), "score": float(self.score or 0.0),
            "reasons": dumps(list(self.reasons or [])),
            "provider": self.provider, "model": self.model,
            "input_tokens": int(self.input_tokens or 0), "output_tokens": int(self.output_tokens or 0),
            "cached_input_tokens": int(self.cached_input_tokens or 0),
            "reasoning_tokens": int(self.reasoning_tokens or 0),
            "cost_usd": None if self.cost_usd is None else float(self.cost_usd),
            "baseline_cost_usd": None if self.baseline_cost_usd is None else float(self.baseline_cost_usd),
            "latency_ms": float(self.latency_ms or 0.0),
            "ttft_ms": None if self.ttft_ms is None else float(self.ttft_ms),
            "cached": bool(self.cached), "status": self.status or "ok", "error": self.error,
            "attempts": dumps(list(self.attempts or [])), "feedback": 0, "simulated": bool(self.simulated),
            "source": self.source,
        }


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------


class Store:
    """Tables, engine and the queries the router and the app need.

    `Store("sqlite:///data/router.db")` (WAL, busy_timeout, synchronous=NORMAL, usable from any thread)
    or `Store("postgresql://user:pw@host/db")` (psycopg 3). Opening creates or migrates the schema.
    """

    def __init__(self, database_url: str, *, busy_timeout_ms: int = 5000, log_retries: int = 4,
                 echo: bool = False) -> None:
        self.database_url = normalize_url(database_url)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self.log_retries = int(log_retries)
        self.engine: Engine = self._create_engine(self.database_url, echo=echo)
        self.dialect: str = self.engine.dialect.name
        self._log_insert = T_LOG.insert()
        self._attempt_insert, self._attempt_ts = self._attempt_statement()
        self._policy_lock = threading.Lock()
        # An in-memory SQLite database is one shared connection: writers take turns (files need no lock).
        self._serial: Any = threading.Lock() if self._is_memory else contextlib.nullcontext()
        try:
            self._ensure_schema()
        except StoreError:
            self.engine.dispose()
            raise
        except Exception as exc:  # noqa: BLE001 - report where, never the password
            self.engine.dispose()
            raise StoreError(self._without_password(f"cannot open the database {self.safe_url}: "
                                                    f"{type(exc).__name__}: {getattr(exc, 'orig', exc)}")) from None

    def _without_password(self, text: str) -> str:
        password = self.engine.url.password
        return text.replace(str(password), "***") if password else text

    # ----------------------------------------------------------------------------------------- engine

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _create_engine(self, url: str, *, echo: bool) -> Engine:
        parsed = make_url(url)
        self._is_memory = False
        if parsed.get_backend_name() != "sqlite":
            return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=40,
                                    pool_timeout=30)
        database = parsed.database or ""
        memory = database in ("", ":memory:") or database.startswith("file::memory:")
        self._is_memory = memory
        if memory:
            engine = sa.create_engine(url, echo=echo, poolclass=StaticPool,
                                      connect_args={"check_same_thread": False})
        else:
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, echo=echo, pool_size=8, max_overflow=24, pool_timeout=60,
                                      connect_args={"check_same_thread": False,
                                                    "timeout": self.busy_timeout_ms / 1000})
        busy = self.busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute("PRAGMA cache_size=-16000")  # 16 MB per connection
            cur.close()

        return engine

    def close(self) -> None:
        self.engine.dispose()

    # ----------------------------------------------------------------------------------------- schema

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(T_META.c.value).where(T_META.c.key == "schema_version")).scalar()
        return int(value or 0)

    def _ensure_schema(self) -> None:
        """Create or migrate the schema under a lock, so two instances opening at once don't race.
        A database that is already current is only read (no lock), so opening never waits on writers."""
        if self._schema_is_current():
            return
        for attempt in range(5):
            try:
                if self.dialect == "sqlite":
                    with self.engine.connect() as raw:
                        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                        try:
                            self._migrate(conn)
                        except BaseException:
                            conn.exec_driver_sql("ROLLBACK")
                            raise
                        conn.exec_driver_sql("COMMIT")
                else:
                    with self.engine.begin() as conn:
                        if self.dialect == "postgresql":
                            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74210351)")
                        self._migrate(conn)
                return
            except (OperationalError, DBAPIError) as exc:
                if attempt < 4 and _is_busy(exc) or (attempt < 4 and "already exists" in str(exc)):
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise

    def _schema_is_current(self) -> bool:
        try:
            with self.engine.connect() as conn:
                insp = sa.inspect(conn)
                tables = set(insp.get_table_names())
                if not {t.name for t in METADATA.sorted_tables} <= tables:
                    return False
                version = conn.execute(sa.select(T_META.c.value).where(T_META.c.key == "schema_version")).scalar()
                if version is None or int(version) < SCHEMA_VERSION:
                    return False
                if int(version) > SCHEMA_VERSION:
                    return False  # the locked path reports it
                dialect = conn.dialect.name
                return all({ix.name for ix in table.indexes if _index_applies(ix, dialect)}
                           <= {ix["name"] for ix in insp.get_indexes(table.name)} for table in (T_LOG, T_ATTEMPT))
        except (OperationalError, DBAPIError):
            return False

    def _migrate(self, conn: Connection) -> None:
        insp = sa.inspect(conn)
        tables = set(insp.get_table_names())
        if "schema_meta" in tables:
            version = int(conn.execute(sa.select(T_META.c.value).where(T_META.c.key == "schema_version"))
                          .scalar() or 1)
        elif "interaction_logs" in tables:
            version = 1  # the seed's database: no schema_meta yet
        else:
            version = 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"the database {self.safe_url} has schema v{version}, newer than this code "
                             f"(v{SCHEMA_VERSION}); upgrade Switchboard before opening it")
        if version == SCHEMA_VERSION:
            self._create_missing_indexes(conn, insp)
            return
        if version == 1:
            self._migrate_v1_to_v2(conn, insp, tables)
        if version in (1, 2) and "interaction_logs" in tables:  # v2 -> v4 (the backfill writes org / agent)
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_interaction_logs_provider_latency")  # read by nobody now
            if "attempt_logs" in tables:
                conn.execute(T_ATTEMPT.delete())  # rebuilt from the trails below
                self._add_attempt_scope(conn, insp)
            else:
                conn.execute(sa.schema.CreateTable(T_ATTEMPT))  # indexes after the bulk insert (faster)
            self._backfill_attempts(conn)
        elif version == 3 and "attempt_logs" in tables:  # v3 -> v4
            self._add_attempt_scope(conn, insp)
            self._fill_attempt_scope(conn)
        if "interaction_logs" in tables:  # v5: where each request came from
            log_columns = {c["name"] for c in sa.inspect(conn).get_columns("interaction_logs")}
            self._add_column(conn, T_LOG, "source", log_columns, None)
        METADATA.create_all(conn, checkfirst=True)
        self._create_missing_indexes(conn, sa.inspect(conn))
        if "agent_catalog" not in tables:
            conn.execute(T_AGENT.insert(), DEFAULT_AGENTS)
        if self.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA optimize")
        stmt = (T_META.update().where(T_META.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
        if conn.execute(stmt).rowcount == 0:
            conn.execute(T_META.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    @staticmethod
    def _create_missing_indexes(conn: Connection, insp: sa.Inspector) -> None:
        """Indexes added since a table was created (cheap when there is nothing to do)."""
        tables = set(insp.get_table_names())
        for table in METADATA.sorted_tables:
            if table.name not in tables:
                continue
            have = {ix["name"] for ix in insp.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in have and _index_applies(index, conn.dialect.name):
                    index.create(conn)

    def _add_column(self, conn: Connection, table: sa.Table, name: str, existing: set[str],
                    default_sql: str | None) -> None:
        if name in existing:
            return
        column = table.c[name]
        type_sql = column.type.compile(dialect=conn.dialect)
        ddl = f"ALTER TABLE {table.name} ADD COLUMN {name} {type_sql}"
        if default_sql is not None:
            ddl += f" NOT NULL DEFAULT {default_sql}"
        conn.exec_driver_sql(ddl)
        existing.add(name)

    def _migrate_v1_to_v2(self, conn: Connection, insp: sa.Inspector, tables: set[str]) -> None:
        """v1 -> v2: add the new columns with defaults, normalise old values; keep every row."""
        false_sql = "0" if self.dialect == "sqlite" else "false"
        if "interaction_logs" in tables:
            cols = {c["name"]: c for c in insp.get_columns("interaction_logs")}
            names = set(cols)
            for name, default in [("ttft_ms", None), ("cached_input_tokens", "0"), ("reasoning_tokens", "0"),
                                  ("attempts", "'[]'"), ("feedback", "0"), ("simulated", false_sql),
                                  ("session_id", None), ("messages_json", "'[]'"), ("reasons", "'[]'"),
                                  ("error", None), ("baseline_cost_usd", None), ("score", "0")]:
                self._add_column(conn, T_LOG, name, names, default)
            if self.dialect == "postgresql":
                if not isinstance(cols["cached"]["type"], sa.Boolean):
                    conn.exec_driver_sql("ALTER TABLE interaction_logs ALTER COLUMN cached TYPE boolean "
                                         "USING (coalesce(cached::text, '0') NOT IN ('0', 'false', 'f', ''))")
                self._pg_timestamptz(conn, "interaction_logs", cols, ["ts"])
            else:
                self._normalise_sqlite_times(conn, "interaction_logs", "id", ["ts"])
            log = T_LOG  # every column exists by now
            for name, value in [("input_tokens", 0), ("output_tokens", 0), ("latency_ms", 0.0), ("score", 0.0),
                                ("complexity", ""), ("status", "ok"), ("prompt", ""), ("reasons", "[]"),
                                ("messages_json", "[]")]:
                conn.execute(log.update().where(log.c[name].is_(None)).values({name: value}))
            conn.execute(log.update().where(log.c.cached.is_(None)).values(cached=False))
            conn.execute(log.update().where(log.c.ts.is_(None)).values(ts=utcnow()))
        if "response_cache" in tables:
            names = {c["name"] for c in insp.get_columns("response_cache")}
            for name, default in [("prompt_preview", None), ("baseline_cost_usd", None), ("created_at", None),
                                  ("expires_at", None), ("hit_count", "0"), ("last_hit_at", None),
                                  ("saved_usd", "0")]:
                self._add_column(conn, T_CACHE, name, names, default)
            if self.dialect == "sqlite":
                self._normalise_sqlite_times(conn, "response_cache", "key", ["created_at", "last_hit_at"])
            elif self.dialect == "postgresql":
                cols = {c["name"]: c for c in insp.get_columns("response_cache")}
                self._pg_timestamptz(conn, "response_cache", cols, ["created_at", "last_hit_at"])
            cache = sa.table("response_cache", sa.column("key"), sa.column("created_at"), sa.column("expires_at"))
            rows = conn.execute(sa.select(cache.c.key, cache.c.created_at).where(cache.c.expires_at.is_(None)))
            updates = []
            now = utcnow()
            for key, created in rows.fetchall():
                created_dt = to_db_time(created) if created is not None else None
                updates.append({"k": key, "e": (created_dt or now) + LEGACY_CACHE_TTL})
            if updates:
                conn.execute(sa.text("UPDATE response_cache SET expires_at = :e WHERE key = :k")
                             .bindparams(sa.bindparam("e", type_=UTCDateTime())), updates)
        if "agent_catalog" in tables:
            names = {c["name"] for c in insp.get_columns("agent_catalog")}
            for name in ("name", "role"):
                self._add_column(conn, T_AGENT, name, names, "''")
            self._add_column(conn, T_AGENT, "system_prompt", names, "''")

    BACKFILL_CHUNK = 5000
    SCOPE_CHUNK = 50_000  # attempt ids per UPDATE when v3 -> v4 copies org / agent

    def _add_attempt_scope(self, conn: Connection, insp: sa.Inspector) -> None:
        """attempt_logs gets org / agent (v4); PostgreSQL's window index is rebuilt with them (after the fill)."""
        names = {c["name"] for c in insp.get_columns("attempt_logs")}
        for name in ("org", "agent"):
            self._add_column(conn, T_ATTEMPT, name, names, None)
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_attempt_logs_ts_provider")  # v3's had interaction_id, no org

    def _fill_attempt_scope(self, conn: Connection) -> int:
        """v3 -> v4: copy each attempt's org / agent from its interaction, one UPDATE ... FROM per SCOPE_CHUNK
        attempt ids (only interactions that have an org or an agent). Returns the number of rows updated."""
        a, log = T_ATTEMPT, T_LOG
        lo, hi = conn.execute(sa.select(sa.func.min(a.c.id), sa.func.max(a.c.id))).one()
        if lo is None:
            return 0
        stmt = (a.update().values(org=log.c.org, agent=log.c.agent)
                .where(a.c.interaction_id == log.c.id, a.c.id >= sa.bindparam("lo"), a.c.id < sa.bindparam("hi"),
                       sa.or_(log.c.org.is_not(None), log.c.agent.is_not(None))))
        updated = 0
        for start in range(int(lo), int(hi) + 1, self.SCOPE_CHUNK):
            updated += conn.execute(stmt, {"lo": start, "hi": start + self.SCOPE_CHUNK}).rowcount or 0
        return updated

    def _backfill_attempts(self, conn: Connection) -> int:
        """v2 -> v3: attempt_logs rows from every interaction's `attempts` JSON, BACKFILL_CHUNK interactions at a
        time (keyset on id, only the narrow columns), so a big log is never loaded at once. Timestamps are copied
        exactly as stored. Returns the number of attempts written."""
        select = sa.text("SELECT id, ts, provider, model, status, latency_ms, cached, attempts, org, agent"
                         " FROM interaction_logs WHERE id > :last ORDER BY id LIMIT :n")
        insert = sa.text("INSERT INTO attempt_logs (interaction_id, ts, provider, model, outcome, status, latency_ms,"
                         " retryable, org, agent) VALUES (:interaction_id, :ts, :provider, :model, :outcome, :status,"
                         " :latency_ms, :retryable, :org, :agent)")
        last, written = -(2 ** 62), 0
        while True:
            rows = conn.execute(select, {"last": last, "n": self.BACKFILL_CHUNK}).fetchall()
            if not rows:
                return written
            batch = []
            for iid, ts, provider, model, status, latency_ms, cached, attempts, org, agent in rows:
                if ts is None:
                    continue
                cached = cached not in (None, 0, False, "0", "false", "f", "")
                for a in attempt_rows(_loads_list(attempts), provider=provider, model=model, status=status,
                                      latency_ms=latency_ms, cached=cached, org=org, agent=agent):
                    a["interaction_id"], a["ts"] = iid, ts
                    batch.append(a)
            if batch:
                conn.execute(insert, batch)
                written += len(batch)
            last = rows[-1][0]

    @staticmethod
    def _pg_timestamptz(conn: Connection, table: str, cols: dict[str, dict], names: list[str]) -> None:
        """Legacy PostgreSQL timestamps (naive, taken as UTC, or text) become timestamptz."""
        for name in names:
            col_type = cols[name]["type"]
            if isinstance(col_type, sa.DateTime) and getattr(col_type, "timezone", False):
                continue
            using = f"{name} AT TIME ZONE 'UTC'" if isinstance(col_type, sa.DateTime) else \
                f"(CASE WHEN {name}::text ~ '([zZ]|[+-][0-9:]+)$' THEN {name}::text::timestamptz " \
                f"ELSE {name}::text::timestamp AT TIME ZONE 'UTC' END)"
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE timestamptz USING {using}")

    def _normalise_sqlite_times(self, conn: Connection, table: str, pk: str, columns: list[str]) -> None:
        """Rewrite legacy SQLite timestamps (ISO text with 'T', offsets, epoch numbers) in the canonical
        'YYYY-MM-DD HH:MM:SS.ffffff' UTC form, so string comparison and strftime bucketing agree."""
        canonical = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]"
        for col in columns:
            rows = conn.exec_driver_sql(
                f"SELECT {pk}, {col} FROM {table} WHERE {col} IS NOT NULL AND "
                f"(typeof({col}) != 'text' OR {col} NOT GLOB '{canonical}')").fetchall()
            updates = []
            for key, raw in rows:
                try:
                    if isinstance(raw, (int, float)):
                        value = to_db_time(float(raw))
                    else:
                        value = to_db_time(datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00")))
                except ValueError:
                    continue  # leave what we cannot read; it stays visible in the log
                updates.append((value.strftime("%Y-%m-%d %H:%M:%S.%f"), key))
            if updates:
                conn.exec_driver_sql(f"UPDATE {table} SET {col} = ? WHERE {pk} = ?", updates)

    # ---------------------------------------------------------------------------------- interactions

    ATTEMPT_COLUMNS = ("interaction_id", "ts", "provider", "model", "outcome", "status", "latency_ms", "retryable",
                       "org", "agent")

    def _attempt_statement(self) -> tuple[Any, Any]:
        """The attempt_logs INSERT for log_interaction in the driver's own SQL (no statement compile or
        per-column type processing per call: measurably cheaper on the hot path), and the ts bind processor
        (the interaction row's, so both store identical values). Other parameter styles get the Core INSERT."""
        dialect = self.engine.dialect
        style = dialect.paramstyle
        process_ts = T_ATTEMPT.c.ts.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
        mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(style)
        if mark is None:
            return T_ATTEMPT.insert(), None
        return (f"INSERT INTO {T_ATTEMPT.name} ({', '.join(self.ATTEMPT_COLUMNS)}) "
                f"VALUES ({', '.join([mark] * len(self.ATTEMPT_COLUMNS))})"), process_ts

    def _insert_attempts(self, conn: Connection, interaction_id: int, ts: datetime,
                         attempts: list[dict[str, Any]]) -> None:
        """One executemany of the interaction's attempts (they all carry its id and ts)."""
        if self._attempt_ts is None:
            conn.execute(self._attempt_insert, [dict(a, interaction_id=interaction_id, ts=ts) for a in attempts])
            return
        ts = self._attempt_ts(ts)
        conn.exec_driver_sql(self._attempt_insert, [
            (interaction_id, ts, a["provider"], a["model"], a["outcome"], a["status"], a["latency_ms"], a["retryable"],
             a["org"], a["agent"]) for a in attempts])

    def log_interaction(self, rec: InteractionRecord) -> int:
        """Insert the interaction row and its attempt_logs rows (one INSERT, one executemany, one transaction);
        returns the interaction's id. Retries briefly when SQLite is busy."""
        row = rec.to_row()
        attempts = attempt_rows(rec.attempts, provider=row["provider"], model=row["model"], status=row["status"],
                                latency_ms=row["latency_ms"], cached=row["cached"], org=row["org"], agent=row["agent"])
        last: BaseException | None = None
        for attempt in range(self.log_retries + 1):
            try:
                with self._serial, self.engine.begin() as conn:
                    iid = int(conn.execute(self._log_insert, row).inserted_primary_key[0])
                    if attempts:
                        self._insert_attempts(conn, iid, row["ts"], attempts)
                    return iid
            except (OperationalError, DBAPIError) as exc:
                last = exc
                if not _is_busy(exc) and not getattr(exc, "connection_invalidated", False):
                    break
                if attempt < self.log_retries:
                    time.sleep(min(0.02 * (2 ** attempt), 0.25) * (0.5 + random.random()))
        reason = str(getattr(last, "orig", last)).strip().splitlines()[0] if last else "unknown error"
        raise StoreError(self._without_password(f"could not log the interaction to {self.safe_url}: {reason}"))

    def set_feedback(self, interaction_id: int, value: int) -> None:
        """Thumbs up (+1), down (-1) or cleared (0)."""
        if value not in (-1, 0, 1):
            raise ValueError("feedback must be +1, -1 or 0")
        with self.engine.begin() as conn:
            n = conn.execute(T_LOG.update().where(T_LOG.c.id == int(interaction_id))
                             .values(feedback=int(value))).rowcount
        if n == 0:
            raise StoreError(f"no interaction with id {interaction_id}")

    @staticmethod
    def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
        row["ts"] = from_db_time(row.get("ts"))
        row["reasons"] = _loads_list(row.get("reasons"))
        row["attempts"] = _loads_list(row.get("attempts"))
        row["cached"] = bool(row.get("cached"))
        row["simulated"] = bool(row.get("simulated"))
        return row

    def get_interaction(self, interaction_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_LOG).where(T_LOG.c.id == int(interaction_id))).mappings().first()
        return None if row is None else self._decode_row(dict(row))

    @staticmethod
    def _match(column: sa.ColumnElement, value: Any) -> sa.ColumnElement:
        if isinstance(value, (list, tuple, set, frozenset)):
            return column.in_([_enum_str(v) for v in value])
        return column == _enum_str(value)

    def _filters(self, *, since=None, until=None, org=None, agent=None, complexity=None, provider=None,
                 model=None, status=None, cached=None, search=None, session_id=None) -> list[sa.ColumnElement]:
        """WHERE clauses for the request log. `since` is inclusive, `until` exclusive; string filters
        also take a list (IN); `search` is a case-insensitive substring of the prompt or the response."""
        c = T_LOG.c
        where: list[sa.ColumnElement] = []
        if since is not None:
            where.append(c.ts >= to_db_time(since))
        if until is not None:
            where.append(c.ts < to_db_time(until))
        for column, value in ((c.org, org), (c.agent, agent), (c.complexity, complexity), (c.provider, provider),
                              (c.model, model), (c.status, status), (c.session_id, session_id)):
            if value is not None:
                where.append(self._match(column, value))
        if cached is not None:
            where.append(c.cached == (sa.true() if cached else sa.false()))
        if search:
            needle = "%" + str(search).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(sa.or_(c.prompt.ilike(needle, escape="\\"), c.response.ilike(needle, escape="\\")))
        return where

    def list_interactions(self, *, since=None, until=None, org=None, agent=None, complexity=None, provider=None,
                          model=None, status=None, cached=None, search=None, session_id=None, offset: int = 0,
                          limit: int = 50) -> tuple[pd.DataFrame, int]:
        """One page of the request log, newest first, and the total number of matching rows."""
        import pandas as pd

        where = self._filters(since=since, until=until, org=org, agent=agent, complexity=complexity,
                              provider=provider, model=model, status=status, cached=cached, search=search,
                              session_id=session_id)
        newest_first = (T_LOG.c.ts.desc(), T_LOG.c.id.desc())
        # Page through ids only (an index walk), then fetch the page's wide rows: a deep page no longer
        # sorts hundreds of thousands of whole rows.
        ids = (sa.select(T_LOG.c.id).where(*where).order_by(*newest_first)
               .offset(max(0, int(offset))).limit(max(0, int(limit)))).subquery()
        page = sa.select(T_LOG).join(ids, ids.c.id == T_LOG.c.id).order_by(*newest_first)
        count = sa.select(sa.func.count()).select_from(T_LOG).where(*where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar() or 0)
            df = _frame(conn.execute(page))
        if df.empty:
            return pd.DataFrame(columns=LOG_COLUMNS), total
        df["ts"] = pd.to_datetime(df["ts"], utc=True)
        df["reasons"] = df["reasons"].map(_loads_list)
        df["attempts"] = df["attempts"].map(_loads_list)
        df["cached"] = df["cached"].astype(bool)
        df["simulated"] = df["simulated"].astype(bool)
        return df, total

    EXPORT_COLUMNS: tuple[str, ...] = tuple(n for n in LOG_COLUMNS if n != "messages_json")

    def iter_interactions_csv(self, *, chunk_rows: int = 2000, columns: Sequence[str] | None = None,
                              **filters: Any) -> Iterator[str]:
        """The filtered log as CSV text, yielded in chunks (a header first), oldest first, with a
        saved_usd column. Cells that a spreadsheet would run as a formula are prefixed with a quote."""
        cols = list(columns or self.EXPORT_COLUMNS)
        unknown = [c for c in cols if c not in LOG_COLUMNS]
        if unknown:
            raise ValueError(f"unknown columns: {', '.join(unknown)}")
        where = self._filters(**filters)
        c = T_LOG.c
        saved = sa.case((c.cached == sa.true(), c.baseline_cost_usd),
                        else_=c.baseline_cost_usd - c.cost_usd).label("saved_usd")
        stmt = sa.select(*(c[n] for n in cols), saved).where(*where).order_by(c.ts, c.id)
        header = cols + ["saved_usd"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        yield buf.getvalue()
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
            for part in result.partitions(chunk_rows):
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\n")
                writer.writerows([_csv_cell(v) for v in row] for row in part)
                yield buf.getvalue()

    def export_interactions_csv(self, **filters: Any) -> str:
        """The filtered log as one CSV string (built from `iter_interactions_csv` chunks)."""
        return "".join(self.iter_interactions_csv(**filters))

    # ----------------------------------------------------------------------------------------- agents

    def list_agents(self) -> list[Agent]:
        with Session(self.engine, expire_on_commit=False) as session:
            agents = list(session.scalars(sa.select(Agent).order_by(Agent.code)))
            session.expunge_all()
        return agents

    def get_agent(self, code: str) -> Agent | None:
        with Session(self.engine, expire_on_commit=False) as session:
            agent = session.get(Agent, code)
            if agent is not None:
                session.expunge(agent)
        return agent

    def save_agent(self, agent: Agent | dict) -> None:
        """Insert or replace an agent by its code."""
        data = dict(agent) if isinstance(agent, dict) else {
            "code": agent.code, "name": agent.name, "role": agent.role, "system_prompt": agent.system_prompt}
        code = str(data.get("code") or "").strip()
        if not code:
            raise ValueError("an agent needs a code")
        values = {"name": data.get("name") or code, "role": data.get("role") or "",
                  "system_prompt": data.get("system_prompt") or ""}
        with self.engine.begin() as conn:
            if conn.execute(T_AGENT.update().where(T_AGENT.c.code == code).values(**values)).rowcount == 0:
                conn.execute(T_AGENT.insert().values(code=code, **values))

    def delete_agent(self, code: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(T_AGENT.delete().where(T_AGENT.c.code == code)).rowcount > 0

    # --------------------------------------------------------------------------------------- policies

    def _policy_tx_lock(self, conn: Connection) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74210352)")

    def save_policy(self, name: str, data: dict, *, activate: bool = True) -> None:
        """Insert or replace a named policy; by default it becomes the one active policy."""
        name = str(name).strip()
        if not name:
            raise ValueError("a policy needs a name")
        payload = dumps(data)
        now = utcnow()
        c = T_POLICY.c
        with self._policy_lock, self.engine.begin() as conn:
            self._policy_tx_lock(conn)
            changed = conn.execute(T_POLICY.update().where(c.name == name).values(
                data_json=payload, updated_at=now, revision=c.revision + 1)).rowcount
            if changed == 0:
                conn.execute(T_POLICY.insert().values(name=name, data_json=payload, active=False, revision=1,
                                                      updated_at=now))
            if activate:
                self._activate(conn, name, now)

    def _activate(self, conn: Connection, name: str, now: datetime) -> None:
        c = T_POLICY.c
        conn.execute(T_POLICY.update().where(c.name != name, c.active == sa.true()).values(active=False))
        n = conn.execute(T_POLICY.update().where(c.name == name).values(
            active=True, updated_at=now, revision=c.revision + 1)).rowcount
        if n == 0:
            raise StoreError(f"no routing policy named {name!r}")

    def activate_policy(self, name: str) -> None:
        with self._policy_lock, self.engine.begin() as conn:
            self._policy_tx_lock(conn)
            self._activate(conn, name, utcnow())

    def deactivate_policies(self) -> None:
        """No saved policy is active any more: every instance goes back to the config file's table."""
        with self._policy_lock, self.engine.begin() as conn:
            self._policy_tx_lock(conn)
            conn.execute(T_POLICY.update().where(T_POLICY.c.active == sa.true())
                         .values(active=False, updated_at=utcnow()))

    def list_policies(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(T_POLICY.c.name).order_by(T_POLICY.c.name)).scalars())

    def get_policy(self, name: str) -> dict | None:
        with self.engine.connect() as conn:
            text = conn.execute(sa.select(T_POLICY.c.data_json).where(T_POLICY.c.name == name)).scalar()
        return None if text is None else json.loads(text)

    def active_policy(self) -> tuple[str, dict] | None:
        c = T_POLICY.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.name, c.data_json).where(c.active == sa.true())
                               .order_by(c.updated_at.desc()).limit(1)).first()
        return None if row is None else (row[0], json.loads(row[1]))

    def policy_version(self) -> str:
        """A short token that changes whenever the active policy (or its content) changes."""
        c = T_POLICY.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.name, c.revision, c.updated_at).where(c.active == sa.true())
                               .order_by(c.updated_at.desc()).limit(1)).first()
        if row is None:
            return "none"
        stamp = row[2].isoformat() if isinstance(row[2], datetime) else str(row[2])
        return f"{row[0]}#{row[1]}@{stamp}"

    # ----------------------------------------------------------------------------------------- health

    def record_health(self, provider: str, reachable: bool, latency_ms: float | None, detail: str,
                      *, ts: datetime | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(T_HEALTH.insert().values(ts=to_db_time(ts) or utcnow(), provider=provider,
                                                  reachable=bool(reachable),
                                                  latency_ms=None if latency_ms is None else float(latency_ms),
                                                  detail=detail or ""))

    def health_history(self, since: datetime, provider: str | None = None) -> pd.DataFrame:
        """Checks since `since`, oldest first: ts, provider, reachable, latency_ms, detail."""
        c = T_HEALTH.c
        stmt = sa.select(c.ts, c.provider, c.reachable, c.latency_ms, c.detail).where(c.ts >= to_db_time(since))
        if provider is not None:
            stmt = stmt.where(c.provider == provider)
        with self.engine.connect() as conn:
            df = _frame(conn.execute(stmt.order_by(c.ts, c.id)), time_cols=["ts"])
        if not df.empty:
            df["reachable"] = df["reachable"].astype(bool)
        return df

    def prune_health(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(T_HEALTH.delete().where(T_HEALTH.c.ts < to_db_time(before))).rowcount

    # ------------------------------------------------------------------------------------ comparisons

    def save_comparison(self, prompt: str, system: str | None, results: list[dict]) -> int:
        """Store one side-by-side run. Each result: target ("provider:model", derived when absent),
        provider, model, text, cost_usd, baseline_cost_usd, latency_ms, ttft_ms, input_tokens,
        output_tokens, error (missing keys are stored as NULL)."""
        rows = []
        for i, r in enumerate(results):
            r = asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r)
            target = r.get("target") or f"{r.get('provider') or '?'}:{r.get('model') or '?'}"
            rows.append({"position": i, "target": str(target), "provider": r.get("provider"),
                         "model": r.get("model"), "text": r.get("text"), "cost_usd": r.get("cost_usd"),
                         "baseline_cost_usd": r.get("baseline_cost_usd"), "latency_ms": r.get("latency_ms"),
                         "ttft_ms": r.get("ttft_ms"), "input_tokens": r.get("input_tokens"),
                         "output_tokens": r.get("output_tokens"), "error": r.get("error")})
        with self.engine.begin() as conn:
            cid = int(conn.execute(T_CMP.insert().values(ts=utcnow(), prompt=prompt or "", system=system))
                      .inserted_primary_key[0])
            if rows:
                conn.execute(T_CMP_RES.insert(), [dict(row, comparison_id=cid) for row in rows])
        return cid

    VOTE_SPECIALS = ("tie", "none")

    def vote_comparison(self, comparison_id: int, winner: str) -> None:
        """Record the winner: one of the comparison's targets, "tie", or "none" (no answer was good)."""
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(T_CMP.c.id).where(T_CMP.c.id == int(comparison_id))).scalar()
            if exists is None:
                raise StoreError(f"no comparison with id {comparison_id}")
            targets = list(conn.execute(sa.select(T_CMP_RES.c.target)
                                        .where(T_CMP_RES.c.comparison_id == int(comparison_id))).scalars())
            if winner not in targets and winner not in self.VOTE_SPECIALS:
                allowed = ", ".join([*targets, *self.VOTE_SPECIALS])
                raise StoreError(f"unknown winner {winner!r} for comparison {comparison_id}; use one of: {allowed}")
            conn.execute(T_CMP.update().where(T_CMP.c.id == int(comparison_id))
                         .values(winner=winner, voted_at=utcnow()))

    def list_comparisons(self, limit: int = 20) -> pd.DataFrame:
        """The latest `limit` comparisons, one row per target (newest comparison first):
        comparison_id, ts, prompt, system, winner, target, provider, model, text, cost_usd,
        baseline_cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, error, is_winner."""
        import pandas as pd

        latest = sa.select(T_CMP.c.id).order_by(T_CMP.c.ts.desc(), T_CMP.c.id.desc()).limit(int(limit)).subquery()
        r = T_CMP_RES.c
        stmt = (sa.select(T_CMP.c.id.label("comparison_id"), T_CMP.c.ts, T_CMP.c.prompt, T_CMP.c.system,
                          T_CMP.c.winner, r.target, r.provider, r.model, r.text, r.cost_usd, r.baseline_cost_usd,
                          r.latency_ms, r.ttft_ms, r.input_tokens, r.output_tokens, r.error)
                .select_from(T_CMP.join(latest, latest.c.id == T_CMP.c.id)
                             .outerjoin(T_CMP_RES, r.comparison_id == T_CMP.c.id))
                .order_by(T_CMP.c.ts.desc(), T_CMP.c.id.desc(), r.position))
        with self.engine.connect() as conn:
            df = _frame(conn.execute(stmt), time_cols=["ts"])
        df["is_winner"] = (df["winner"] == df["target"]) if not df.empty else pd.Series(dtype=bool)
        return df


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


__all__ = ["Store", "StoreError", "InteractionRecord", "Agent", "InteractionLog", "AttemptLog",
           "ResponseCacheEntry", "RoutingPolicyRow", "HealthCheck", "Comparison", "ComparisonResult", "SchemaMeta",
           "SCHEMA_VERSION", "DEFAULT_AGENTS", "utcnow", "to_db_time", "from_db_time", "normalize_url",
           "attempt_rows"]
