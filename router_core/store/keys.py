"""The gateway's tables and every query on them: team keys, budget windows and rate buckets.

Tables (defined in tables.py, created with the rest of the schema; revision 0004 adds them to older databases):
  gateway_keys            one row per team key: only a SHA-256 hash of the key is stored, plus its
                          display prefix, org, agent, budgets, requests per minute and what to do when over budget
  gateway_budget_windows  spend and outstanding reservations per key and UTC window ("d:2026-12-02", "m:2026-12")
  gateway_rate_buckets    one token bucket per key (tokens left, when last refilled), shared by every instance

Admission (`admit`) is one transaction: take a rate token, then reserve the worst-case cost against the daily
and monthly window with `UPDATE ... WHERE spent + reserved + amount <= budget` (atomic per row on PostgreSQL,
serialised by BEGIN IMMEDIATE on SQLite), so budgets hold across processes and hosts. `settle` turns a
reservation into the actual cost. `batch` runs many admissions and settlements, in order, in one transaction
(the gateway's key thread, gateway/keywork.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from .engine import write_transaction
from .prepared import Prepared
from .tables import T_BUCKETS, T_KEYS, T_WINDOWS

KEY_PREFIX = "sb-"
DISPLAY_CHARS = 11  # "sb-" + 8 characters: enough to name a key, useless to guess it
ON_BUDGET = ("reject", "downgrade")
LOOKUP_TTL_S = 1.0  # how long a key lookup (or "no key exists") is trusted in memory


@dataclass(frozen=True)
class TeamKey:
    """A key's settings (never the key itself)."""

    id: int
    prefix: str
    org: str
    agent: str | None
    daily_budget_usd: float | None
    monthly_budget_usd: float | None
    rpm: int | None
    on_budget: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def budgeted(self) -> bool:
        return self.daily_budget_usd is not None or self.monthly_budget_usd is not None


@dataclass(frozen=True)
class Reservation:
    """Money held for one request until `settle`: `amount` in each of the key's windows."""

    key_id: int
    periods: tuple[str, ...]
    amount: float
    option: int  # which of the offered amounts fitted (0 = the request as asked, 1 = its downgrade)


@dataclass(frozen=True)
class Admit:
    """An admission for `KeyStore.batch`: take a rate token and reserve the first of `amounts` that fits."""

    key: TeamKey
    amounts: tuple[float, ...] = ()


@dataclass(frozen=True)
class Settle:
    """A settlement for `KeyStore.batch`: the held amount becomes what the request really cost."""

    reservation: Reservation
    actual_usd: float


@dataclass(frozen=True)
class Refusal:
    """Why `admit` said no: "rate" (with seconds to wait) or the budget that is spent ("daily" / "monthly")."""

    reason: str
    retry_after_s: float
    limit: float | None = None


def hash_key(key: str) -> str:
    """The stored form of a key: 32 random bytes need no slow hash, only one that cannot be reversed."""
    return hashlib.sha256(key.encode()).hexdigest()


def periods(now: float) -> tuple[str, str]:
    """The UTC day and month windows `now` falls in."""
    t = datetime.fromtimestamp(now, timezone.utc)
    return f"d:{t:%Y-%m-%d}", f"m:{t:%Y-%m}"


def seconds_to_reset(period: str, now: float) -> float:
    """Seconds until the window named `period` ends (UTC midnight, or the first of next month)."""
    t = datetime.fromtimestamp(now, timezone.utc)
    if period.startswith("d:"):
        end = datetime(t.year, t.month, t.day, tzinfo=timezone.utc).timestamp() + 86400
    else:
        year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
        end = datetime(year, month, 1, tzinfo=timezone.utc).timestamp()
    return max(1.0, end - now)


def _row_key(row: sa.Row) -> TeamKey:
    return TeamKey(row.id, row.prefix, row.org, row.agent, row.daily_budget_usd, row.monthly_budget_usd, row.rpm,
                   row.on_budget, row.created_at, row.last_used_at, row.revoked_at)


class KeyStore:
    """Keys, budgets and rate buckets on one SQLAlchemy engine (the Router's store engine)."""

    def __init__(self, engine: Engine, clock=time.time) -> None:  # noqa: ANN001 - a () -> float
        self.engine = engine
        self.clock = clock
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        self._cache: dict[str, tuple[float, TeamKey | None]] = {}
        self._any_key: tuple[float, bool] = (-LOOKUP_TTL_S, False)
        self._last_touch: dict[int, float] = {}
        self._lock = threading.Lock()
        self._known_windows: set[tuple[int, str]] = set()  # windows this process has seen exist (never deleted)
        self._prepare()

    def _prepare(self) -> None:
        """The statements every admitted request runs, compiled once for this engine's dialect."""
        b, w, dialect = T_BUCKETS.c, T_WINDOWS.c, self.engine.dialect
        now, rate, cap, key_id = (sa.bindparam(n, type_=t) for n, t in
                                  (("now", sa.Float), ("rate", sa.Float), ("cap", sa.Float), ("key_id", sa.Integer)))
        zero, one = sa.literal_column("0.0"), sa.literal_column("1.0")  # constants in the SQL, not parameters
        elapsed = sa.case((b.updated_at < now, now - b.updated_at), else_=zero)
        self._level = sa.case((b.tokens + elapsed * rate > cap, cap), else_=b.tokens + elapsed * rate)
        latest = sa.func.greatest if self.dialect == "postgresql" else sa.func.max
        self._take = Prepared(T_BUCKETS.update().where(b.key_id == key_id, self._level >= one)
                              .values(tokens=self._level - one, updated_at=latest(b.updated_at, now)), dialect)
        amount, budget, period = sa.bindparam("amount", type_=sa.Float), sa.bindparam("budget", type_=sa.Float), \
            sa.bindparam("period", type_=sa.String)
        self._hold = Prepared(T_WINDOWS.update().where(
            w.key_id == key_id, w.period == period, w.spent_usd + w.reserved_usd + amount <= budget)
            .values(reserved_usd=w.reserved_usd + amount), dialect)
        left = w.reserved_usd - amount
        self._settle = Prepared(T_WINDOWS.update().where(w.key_id == key_id, w.period == period).values(
            reserved_usd=sa.case((left > zero, left), else_=zero),
            spent_usd=w.spent_usd + sa.bindparam("actual", type_=sa.Float)), dialect)

    def _write(self) -> AbstractContextManager[Connection]:
        """A write transaction that takes the write lock first on SQLite (BEGIN IMMEDIATE)."""
        return write_transaction(self.engine)

    # --------------------------------------------------------------------------------------- keys
    def create(self, org: str, *, agent: str | None = None, daily_budget_usd: float | None = None,
               monthly_budget_usd: float | None = None, rpm: int | None = None,
               on_budget: str = "reject") -> tuple[str, TeamKey]:
        """A new random key; returns it (shown once, never stored) and its settings."""
        if not org.strip():
            raise ValueError("a key needs an org")
        if on_budget not in ON_BUDGET:
            raise ValueError(f"on_budget must be one of {', '.join(ON_BUDGET)}")
        for name, value in (("daily budget", daily_budget_usd), ("monthly budget", monthly_budget_usd)):
            if value is not None and value < 0:
                raise ValueError(f"the {name} cannot be negative")
        if rpm is not None and rpm < 1:
            raise ValueError("rpm must be at least 1")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        values = dict(prefix=key[:DISPLAY_CHARS], key_hash=hash_key(key), org=org.strip(), agent=agent or None,
                      daily_budget_usd=daily_budget_usd, monthly_budget_usd=monthly_budget_usd, rpm=rpm,
                      on_budget=on_budget, created_at=self.clock())
        with self._write() as conn:
            key_id = conn.execute(T_KEYS.insert().values(**values)).inserted_primary_key[0]
        self._any_key = (-LOOKUP_TTL_S, False)
        return key, TeamKey(id=int(key_id), last_used_at=None, revoked_at=None,
                            **{k: v for k, v in values.items() if k != "key_hash"})

    def list_keys(self) -> list[tuple[TeamKey, dict[str, float]]]:
        """Every key (revoked ones too) with its spend in the current day and month windows."""
        day, month = periods(self.clock())
        with self.engine.connect() as conn:
            keys = [_row_key(r) for r in conn.execute(sa.select(T_KEYS).order_by(T_KEYS.c.id))]
            spent = conn.execute(sa.select(T_WINDOWS.c.key_id, T_WINDOWS.c.period, T_WINDOWS.c.spent_usd)
                                 .where(T_WINDOWS.c.period.in_([day, month]))).all()
        by_key: dict[int, dict[str, float]] = {}
        for key_id, period, usd in spent:
            by_key.setdefault(key_id, {})["daily" if period == day else "monthly"] = usd
        return [(k, {"daily": 0.0, "monthly": 0.0} | by_key.get(k.id, {})) for k in keys]

    def revoke(self, prefix: str) -> int:
        """Revoke the live key(s) whose display prefix starts with `prefix`; returns how many."""
        if len(prefix) < len(KEY_PREFIX) + 4:
            raise ValueError(f"give at least {len(KEY_PREFIX) + 4} characters of the prefix (as `keys list` shows)")
        with self._write() as conn:
            count = conn.execute(T_KEYS.update().where(T_KEYS.c.prefix.startswith(prefix, autoescape=True),
                                                       T_KEYS.c.revoked_at.is_(None))
                                 .values(revoked_at=self.clock())).rowcount
        self._cache.clear()
        return int(count)

    def any_key(self) -> bool:
        """Whether any live key exists (then every request needs one). Trusted for LOOKUP_TTL_S."""
        now = time.monotonic()
        checked, exists = self._any_key
        if now - checked < LOOKUP_TTL_S:
            return exists
        with self.engine.connect() as conn:
            live = sa.select(T_KEYS.c.id).where(T_KEYS.c.revoked_at.is_(None)).limit(1)
            exists = conn.execute(live).first() is not None
        self._any_key = (now, exists)
        return exists

    def authenticate(self, presented: str) -> TeamKey | None:
        """The live key matching `presented`, or None. Compared as hashes in constant time."""
        digest = hash_key(presented)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < LOOKUP_TTL_S:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(T_KEYS).where(T_KEYS.c.key_hash == digest,
                                                       T_KEYS.c.revoked_at.is_(None))).first()
        found = _row_key(row) if row is not None and hmac.compare_digest(row.key_hash, digest) else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, found)
        return found

    def touch(self, key: TeamKey) -> None:
        """Record last use, at most once a minute per key and process (it is a write)."""
        now = self.clock()
        with self._lock:
            if now - self._last_touch.get(key.id, 0.0) < 60:
                return
            self._last_touch[key.id] = now
        with self.engine.begin() as conn:
            conn.execute(T_KEYS.update().where(T_KEYS.c.id == key.id).values(last_used_at=now))

    # ------------------------------------------------------------------------------- admission
    def admit(self, key: TeamKey, amounts: tuple[float, ...] = ()) -> Reservation | Refusal | None:
        """Take a rate token and reserve the first of `amounts` that fits every budget of the key, in one
        transaction. None: admitted with nothing to reserve (no budget). A request refused for its budget
        keeps its rate token (it was a request); one refused for its rate takes nothing."""
        return self.batch([Admit(key, amounts)])[0]

    def batch(self, ops: Sequence[Admit | Settle]) -> list[Reservation | Refusal | None]:
        """Admissions and settlements in ONE transaction, in order, each as it would run alone (its conditional
        UPDATEs see the ones before it); the result of each (None for a settlement)."""
        now = self.clock()
        created: list[tuple[int, str]] = []
        with self._write() as conn:
            results = [self._admit(conn, op.key, op.amounts, self._windows(op.key, now), now, created)
                       if isinstance(op, Admit) else self._settle_on(conn, op) for op in ops]
        self._known_windows.update(created)  # only once the transaction has committed
        return results

    def _admit(self, conn: Connection, key: TeamKey, amounts: tuple[float, ...], windows: list[tuple[str, float]],
               now: float, created: list[tuple[int, str]]) -> Reservation | Refusal | None:
        if key.rpm:
            wait = self._take_token(conn, key, now)
            if wait is not None:
                return Refusal("rate", wait, float(key.rpm))
        if not windows or not amounts:
            return None
        missing = [p for p, _ in windows if (key.id, p) not in self._known_windows]
        if missing:
            self._ensure_windows(conn, key.id, missing)
            created += [(key.id, p) for p in missing]
        refusal: Refusal | None = None
        for option, amount in enumerate(amounts):
            refusal = self._reserve(conn, key.id, windows, amount, now)
            if refusal is None:
                return Reservation(key.id, tuple(p for p, _ in windows), amount, option)
        return refusal

    @staticmethod
    def _windows(key: TeamKey, now: float) -> list[tuple[str, float]]:
        day, month = periods(now)
        return [(p, b) for p, b in ((day, key.daily_budget_usd), (month, key.monthly_budget_usd)) if b is not None]

    def _ensure_windows(self, conn: Connection, key_id: int, names: list[str]) -> None:
        stmt = self._insert(T_WINDOWS).on_conflict_do_nothing()
        conn.execute(stmt, [{"key_id": key_id, "period": p, "spent_usd": 0.0, "reserved_usd": 0.0} for p in names])

    def _reserve(self, conn: Connection, key_id: int, windows: list[tuple[str, float]], amount: float,
                 now: float) -> Refusal | None:
        """Hold `amount` in every window or in none: each UPDATE only succeeds while the window has room
        (the row lock makes the check and the hold one step), and a later refusal gives back earlier holds."""
        w = T_WINDOWS.c
        held: list[str] = []
        for period, budget in windows:
            if not self._hold.execute(conn, dict(key_id=key_id, period=period, amount=amount, budget=budget)):
                if held:
                    conn.execute(T_WINDOWS.update().where(w.key_id == key_id, w.period.in_(held))
                                 .values(reserved_usd=w.reserved_usd - amount))
                name = "daily" if period.startswith("d:") else "monthly"
                return Refusal(name, seconds_to_reset(period, now), budget)
            held.append(period)
        return None

    def _take_token(self, conn: Connection, key: TeamKey, now: float) -> float | None:
        """One token from the key's bucket (capacity rpm, refilled rpm/60 per second); None when taken,
        otherwise the seconds until one is available."""
        assert key.rpm
        params = dict(key_id=key.id, now=now, rate=key.rpm / 60.0, cap=float(key.rpm))
        if self._take.execute(conn, params):
            return None
        level = sa.select(self._level).where(T_BUCKETS.c.key_id == key.id)
        row = conn.execute(level, params).first()
        if row is None:  # the key's first request: a full bucket (another instance may have made it first)
            conn.execute(self._insert(T_BUCKETS).on_conflict_do_nothing(),
                         {"key_id": key.id, "tokens": float(key.rpm), "updated_at": now})
            if self._take.execute(conn, params):
                return None
            row = conn.execute(level, params).one()
        return max(0.05, (1.0 - float(row[0])) / params["rate"])

    def settle(self, reservation: Reservation, actual_usd: float) -> None:
        """Replace the held amount by what the request really cost (0 for a cache hit or a failure)."""
        self.batch([Settle(reservation, actual_usd)])

    def _settle_on(self, conn: Connection, op: Settle) -> None:
        held = op.reservation
        for period in held.periods:
            self._settle.execute(conn, dict(key_id=held.key_id, period=period, amount=held.amount,
                                            actual=max(0.0, op.actual_usd)))

    def spend(self, key_id: int) -> dict[str, tuple[float, float]]:
        """(spent, reserved) in the key's current day and month windows."""
        day, month = periods(self.clock())
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(T_WINDOWS.c.period, T_WINDOWS.c.spent_usd, T_WINDOWS.c.reserved_usd)
                                .where(T_WINDOWS.c.key_id == key_id, T_WINDOWS.c.period.in_([day, month]))).all()
        return {("daily" if p == day else "monthly"): (s, r) for p, s, r in rows}
