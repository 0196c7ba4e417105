"""interaction_summary: the request log added up per UTC day and group, kept in step with interaction_logs.

`summary_rows` gives what a batch of log rows adds, upserted in the batch's own transaction; `rebuild` fills the
table from interaction_logs with one INSERT ... SELECT (the v12 migration, and tools that bulk-load the log with
plain SQL).
Both compute the same group key and the same per-request money shares, so either way a sum over summary rows is
the sum over the log rows it stands for (analytics/summary.py reads it; tests/test_summary.py proves it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from .tables import T_LOG, T_SUMMARY

# The group's columns, in group_key order (text, int and bool ones spelled as below, in Python and in SQL alike).
GROUP_COLUMNS = ("org", "agent", "agent_version", "source", "provider", "model", "complexity", "cached", "status",
                 "simulated")
MEASURES = ("requests", "input_tokens", "output_tokens", "spend_usd", "baseline_usd", "saved_by_cache_usd",
            "saved_cheaper_usd", "upgrades_usd", "unpriced", "latency_ms")


def group_key(row: dict[str, Any]) -> str:
    """The ten group values as one string: "-" for NULL, else "<length>:<text>" (so NULL, "" and any text with
    "|" in it stay apart), joined by "|"; booleans are "1" / "0"."""
    parts = []
    for name in GROUP_COLUMNS:
        value = row[name]
        if value is None:
            parts.append("-")
        else:
            text = ("1" if value else "0") if isinstance(value, bool) else str(value)
            parts.append(f"{len(text)}:{text}")
    return "|".join(parts)


def _sql_group_key(c: Any) -> ColumnElement:
    """group_key in SQL (SQLite and PostgreSQL)."""
    parts: list[ColumnElement] = []
    for name in GROUP_COLUMNS:
        col = c[name]
        if name in ("cached", "simulated"):
            text: ColumnElement = sa.case((col == sa.true(), sa.literal_column("'1'")), else_=sa.literal_column("'0'"))
        else:
            text = sa.cast(col, sa.Text)
        spelled = sa.cast(sa.func.length(text), sa.Text).concat(":").concat(text)
        parts.append(sa.func.coalesce(spelled, sa.literal_column("'-'")) if T_LOG.c[name].nullable else spelled)
    key = parts[0]
    for part in parts[1:]:
        key = key.concat("|").concat(part)
    return key


def day_of(ts: datetime) -> datetime:
    """00:00 UTC of an aware UTC time's day."""
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)


def shares(row: dict[str, Any]) -> dict[str, Any]:
    """One log row's measures (the log row as InteractionRecord.to_row gives it): each money share as
    analytics.sql.money_columns counts it for that row."""
    cost, base, cached = row["cost_usd"], row["baseline_cost_usd"], bool(row["cached"])
    priced = not cached and cost is not None and base is not None
    return {
        "requests": 1, "input_tokens": int(row["input_tokens"]), "output_tokens": int(row["output_tokens"]),
        "spend_usd": 0.0 if cached or cost is None else cost,
        "baseline_usd": 0.0 if base is None else base,
        "saved_by_cache_usd": (0.0 if base is None else base) if cached else 0.0,
        "saved_cheaper_usd": base - cost if priced and base > cost else 0.0,
        "upgrades_usd": cost - base if priced and cost > base else 0.0,
        "unpriced": int(row["status"] == "ok" and not cached and not priced),
        "latency_ms": float(row["latency_ms"]),
    }


SUMMARY_COLUMNS = ("day", "group_key", *GROUP_COLUMNS, *MEASURES, "first_ts", "last_ts")  # what summary_rows gives


def summary_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary rows that log rows (as InteractionRecord.to_row gives them) add: one per day and group, its
    measures added up in row order (what the upsert would make of the rows one by one)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        ts = row["ts"]
        group = tuple(row[name] for name in GROUP_COLUMNS)
        key = (ts.date(), *group)
        measures = shares(row)
        into = merged.get(key)
        if into is None:
            merged[key] = {"day": day_of(ts), "group_key": group_key(row), **dict(zip(GROUP_COLUMNS, group)),
                           **measures, "first_ts": ts, "last_ts": ts}
            continue
        for name in MEASURES:
            into[name] += measures[name]
        into["first_ts"] = min(into["first_ts"], ts)
        into["last_ts"] = max(into["last_ts"], ts)
    return list(merged.values())


def upsert_statement(dialect: str) -> sa.Executable:
    """INSERT one summary row, or add it to the day's row of its group (SQLite and PostgreSQL upsert)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
        least, greatest = sa.func.least, sa.func.greatest
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
        least, greatest = sa.func.min, sa.func.max
    else:
        raise ValueError(f"interaction_summary needs SQLite or PostgreSQL, not {dialect}")
    stmt = insert(T_SUMMARY)
    new, c = stmt.excluded, T_SUMMARY.c
    return stmt.on_conflict_do_update(
        index_elements=[c.day, c.group_key],
        set_={**{name: c[name] + new[name] for name in MEASURES},
              "first_ts": least(c.first_ts, new.first_ts), "last_ts": greatest(c.last_ts, new.last_ts)})


def rebuild(conn: Connection) -> int:
    """Empty interaction_summary and fill it from interaction_logs in one INSERT ... SELECT; returns its rows."""
    c = T_LOG.c
    if conn.dialect.name == "sqlite":  # ts is 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text
        day: ColumnElement = sa.func.substr(c.ts, 1, 10).concat(" 00:00:00.000000")
    else:
        utc = sa.literal_column("'UTC'")  # literals: GROUP BY repeats the expression, and must match it exactly
        day = sa.func.timezone(utc, sa.func.date_trunc(sa.literal_column("'day'"), sa.func.timezone(utc, c.ts)))
    cached, not_cached = c.cached == sa.true(), c.cached == sa.false()
    priced = sa.and_(not_cached, c.cost_usd.is_not(None), c.baseline_cost_usd.is_not(None))
    base = sa.func.coalesce(c.baseline_cost_usd, 0.0)
    key = _sql_group_key(c)
    measures = [
        sa.func.count(), sa.func.sum(c.input_tokens), sa.func.sum(c.output_tokens),
        sa.func.sum(sa.case((not_cached, sa.func.coalesce(c.cost_usd, 0.0)), else_=0.0)),
        sa.func.sum(base), sa.func.sum(sa.case((cached, base), else_=0.0)),
        sa.func.sum(sa.case((sa.and_(priced, c.baseline_cost_usd > c.cost_usd), c.baseline_cost_usd - c.cost_usd),
                            else_=0.0)),
        sa.func.sum(sa.case((sa.and_(priced, c.cost_usd > c.baseline_cost_usd), c.cost_usd - c.baseline_cost_usd),
                            else_=0.0)),
        sa.func.sum(sa.case((sa.and_(c.status == "ok", not_cached, sa.not_(priced)), 1), else_=0)),
        sa.func.sum(c.latency_ms),
    ]
    groups = [day, *(c[name] for name in GROUP_COLUMNS)]
    select = sa.select(day, key, *(c[name] for name in GROUP_COLUMNS), *measures,
                       sa.func.min(c.ts), sa.func.max(c.ts)).group_by(*groups)
    conn.execute(T_SUMMARY.delete())
    conn.execute(T_SUMMARY.insert().from_select(
        ["day", "group_key", *GROUP_COLUMNS, *MEASURES, "first_ts", "last_ts"], select))
    return int(conn.execute(sa.select(sa.func.count()).select_from(T_SUMMARY)).scalar() or 0)
