"""Exact response cache with a TTL, hit counts and the money each hit saved (table `response_cache`).

The router decides what is worth caching (never errors, refusals or cut streams); this module only
stores and serves. Keys are a sha256 over the normalised conversation plus the routing target and the
sampling settings, so whitespace-only differences hit while another target or temperature misses.
Time comes from an injectable clock (epoch seconds) so TTL tests need no sleeping.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .store.prepared import Prepared, Write
from .store.tables import T_CACHE
from .types import Message, Usage

if TYPE_CHECKING:
    from .store import Store

KEY_VERSION = "v1"  # bump when the key recipe changes, so old entries simply stop matching
PREVIEW_CHARS = 200

_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_AROUND_NEWLINE = re.compile(r" ?\n ?")


def normalise_text(text: str) -> str:
    """Strip the ends, unify line endings, collapse runs of spaces/tabs, drop spaces around newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    text = _SPACES.sub(" ", text)
    return _AROUND_NEWLINE.sub("\n", text)


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    provider: str
    model: str
    usage: Usage
    cost_usd: float | None
    baseline_cost_usd: float | None
    hits: int
    pending: bool = False  # served from the in-memory front: its hit is counted by `bump_step` (with the hit's row)


@dataclass
class _Pending:
    """An entry handed to the background writer and not committed yet."""

    answer: CachedAnswer
    expires: float  # epoch seconds



def _upsert_statement(dialect: str) -> sa.Executable:
    """Insert an entry, or refresh it keeping its hit count and saved total (SQLite and PostgreSQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(T_CACHE).values({**{name: sa.bindparam(name) for name in (*_REFRESHED, "key")},
                                   "hit_count": sa.literal_column("0"), "saved_usd": sa.literal_column("0.0")})
    return stmt.on_conflict_do_update(index_elements=[T_CACHE.c.key],
                                      set_={name: stmt.excluded[name] for name in _REFRESHED})


def _answer(row: Sequence[Any], uncounted_hits: int = 0) -> CachedAnswer:
    """A cache row (response, provider, model, tokens in/out, cost, baseline, hit_count) as a CachedAnswer;
    `uncounted_hits` are hits not in hit_count yet (a `peek`'s own)."""
    text, provider, model, tin, tout, cost, baseline, hits = row
    return CachedAnswer(text=text or "", provider=provider or "", model=model or "",
                        usage=Usage(input_tokens=int(tin or 0), output_tokens=int(tout or 0)),
                        cost_usd=cost, baseline_cost_usd=baseline, hits=int(hits or 0) + uncounted_hits)


class ResponseCache:
    """`get` / `put` over the store's `response_cache` table; safe to share between threads and app
    instances (every operation is one statement). `stage` hands an entry to the background writer and keeps it
    in an in-memory front until committed, so a repeat arriving before the commit still hits."""

    def __init__(self, store: Store, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.engine = store.engine
        self.ttl_s = float(ttl_s)
        self.clock = clock
        c = T_CACHE.c
        cols = (c.response, c.provider, c.model, c.input_tokens, c.output_tokens, c.cost_usd, c.baseline_cost_usd,
                c.hit_count)
        live = sa.and_(c.key == sa.bindparam("k"), c.expires_at > sa.bindparam("now", type_=c.expires_at.type))
        dialect = self.engine.dialect
        # a hit: count it and add the baseline cost it saved (`get`: in one UPDATE .. RETURNING the answer)
        bump = T_CACHE.update().where(live).values(
            hit_count=c.hit_count + 1, last_hit_at=sa.bindparam("now", type_=c.last_hit_at.type),
            saved_usd=c.saved_usd + sa.func.coalesce(c.baseline_cost_usd, 0.0))
        self._bump = Prepared(bump, dialect)
        self._hit = Prepared(bump.returning(*cols), dialect)
        self._peek = Prepared(sa.select(*cols).where(live), dialect)
        self._upsert = Prepared(_upsert_statement(dialect.name), dialect)
        self._front: dict[str, _Pending] = {}
        self._front_lock = threading.Lock()

    # -------------------------------------------------------------------------------------------- key

    @staticmethod
    def key(messages: Sequence[Message], *, target: str, max_tokens: int | None,
            temperature: float | None) -> str:
        """sha256 hex over the normalised messages (roles kept, system prompt included), the target
        ("auto" or "provider:model"), max_tokens and temperature."""
        payload = {
            "v": KEY_VERSION,
            "m": [[_role(m), normalise_text(_content(m))] for m in messages],
            "t": (target or "auto").strip(),
            "n": None if max_tokens is None else int(max_tokens),
            "T": None if temperature is None else round(float(temperature), 6),
        }
        blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    # --------------------------------------------------------------------------------------- get/put

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    def get(self, key: str) -> CachedAnswer | None:
        """The live entry for `key`, or None (missing or expired). A hit bumps hit_count, last_hit_at
        and saved_usd (+= the baseline cost of the call it saves) in the same single UPDATE. An entry still
        waiting for the writer is served from memory (`pending`: the caller counts the hit with `bump_step`)."""
        pending = self._pending(key)
        if pending is not None:
            return pending
        with self.engine.begin() as conn:
            row = conn.exec_driver_sql(self._hit.sql, self._hit.params({"k": key, "now": self._now()})).first()
        return None if row is None else _answer(row)

    def peek(self, key: str) -> CachedAnswer | None:
        """The live entry for `key` (a pending one from memory), or None, without writing: the caller counts the hit
        with `bump_step` in the hit's own log transaction (`hits` already includes this one)."""
        pending = self._pending(key)
        if pending is not None:
            return pending
        row = self.store.held_reads.first(self._peek, {"k": key, "now": self._now()})
        return None if row is None else _answer(row, uncounted_hits=1)

    def _pending(self, key: str) -> CachedAnswer | None:
        """The live front entry for `key` with its hit counted, or None."""
        with self._front_lock:
            entry = self._front.get(key)
            if entry is None or entry.expires <= self.clock():
                return None
            entry.answer = replace(entry.answer, hits=entry.answer.hits + 1)
            return replace(entry.answer, pending=True)

    def _values(self, *, text: str, provider: str, model: str, usage: Usage, cost_usd: float | None,
                baseline_cost_usd: float | None, prompt_preview: str | None) -> dict[str, Any]:
        """The refreshed columns of an entry (expires_at = now + ttl)."""
        now = self.clock()
        return {
            "prompt_preview": (prompt_preview or "")[:PREVIEW_CHARS] or None, "response": text,
            "provider": provider, "model": model, "input_tokens": int(usage.input_tokens or 0),
            "output_tokens": int(usage.output_tokens or 0), "cost_usd": cost_usd,
            "baseline_cost_usd": baseline_cost_usd, "created_at": datetime.fromtimestamp(now, timezone.utc),
            "expires_at": datetime.fromtimestamp(now + self.ttl_s, timezone.utc),
        }

    def put(self, key: str, *, text: str, provider: str, model: str, usage: Usage, cost_usd: float | None,
            baseline_cost_usd: float | None, prompt_preview: str | None = None) -> None:
        """Insert or refresh an entry (expires_at = now + ttl) now, in its own transaction. Refreshing keeps the
        entry's hit count and saved total."""
        values = self._values(text=text, provider=provider, model=model, usage=usage, cost_usd=cost_usd,
                              baseline_cost_usd=baseline_cost_usd, prompt_preview=prompt_preview)
        with self.engine.begin() as conn:
            self._upsert.run(conn, [{"key": key, **values}])

    def stage(self, key: str, *, text: str, provider: str, model: str, usage: Usage, cost_usd: float | None,
              baseline_cost_usd: float | None,
              prompt_preview: str | None = None) -> tuple[Write, Callable[[], None]]:
        """Like `put`, for the background writer: the entry is served from memory at once; returns the write to
        run in the writer's transaction and `settle`, to call once that transaction ended (committed or not),
        which drops the entry from memory."""
        values = self._values(text=text, provider=provider, model=model, usage=usage, cost_usd=cost_usd,
                              baseline_cost_usd=baseline_cost_usd, prompt_preview=prompt_preview)
        entry = _Pending(CachedAnswer(text, provider, model, usage, cost_usd, baseline_cost_usd, 0),
                         self.clock() + self.ttl_s)
        with self._front_lock:
            self._front[key] = entry

        def settle() -> None:
            with self._front_lock:
                if self._front.get(key) is entry:
                    del self._front[key]

        return Write(self._upsert, {"key": key, **values}), settle

    def bump_step(self, key: str) -> Write:
        """The hit count of an answer found by `peek` (or served from the front by `get`), to run in the writer's
        transaction (after a pending entry's own write: the writer keeps the order): the UPDATE a `get` hit runs."""
        return Write(self._bump, {"k": key, "now": self._now()})

    # ------------------------------------------------------------------------------------ maintenance

    def clear_all(self) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(T_CACHE.delete()).rowcount or 0)

    def clear_expired(self) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(T_CACHE.delete().where(T_CACHE.c.expires_at <= self._now())).rowcount or 0)

    def stats(self) -> dict:
        """entries (all rows), live (not expired), hits (sum of hit counts), saved_usd (sum)."""
        c = T_CACHE.c
        now = self._now()
        stmt = sa.select(sa.func.count(), sa.func.sum(sa.case((c.expires_at > now, 1), else_=0)),
                         sa.func.coalesce(sa.func.sum(c.hit_count), 0),
                         sa.func.coalesce(sa.func.sum(c.saved_usd), 0.0))
        with self.engine.connect() as conn:
            entries, live, hits, saved = conn.execute(stmt).one()
        return {"entries": int(entries or 0), "live": int(live or 0), "hits": int(hits or 0),
                "saved_usd": float(saved or 0.0)}


_REFRESHED = ("prompt_preview", "response", "provider", "model", "input_tokens", "output_tokens", "cost_usd",
              "baseline_cost_usd", "created_at", "expires_at")


def _role(m: Any) -> str:
    return str(m.role if hasattr(m, "role") else m.get("role", "")).strip().lower()


def _content(m: Any) -> str:
    content = m.content if hasattr(m, "content") else m.get("content", "")
    return content if isinstance(content, str) else json.dumps(content, sort_keys=True, ensure_ascii=False)


__all__ = ["ResponseCache", "CachedAnswer", "normalise_text", "KEY_VERSION"]
