"""The Savings aggregates read from interaction_summary (the log added up per UTC day and group, store/summary.py)
instead of the raw rows: a 90-day page over a million requests adds up ~100x fewer rows.

The summary answers a query exactly when its window is whole UTC days (`covers`): every row of a day then falls
inside or outside together. Counts become sums of `requests` (over the groups whose cached / status match), the
money columns are sums of the per-request shares, an average latency is the summed latency over the requests.
Percentiles, per-row lists and hourly buckets stay on the raw table (analytics.savings / timeseries choose).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..sources import SourceFilter
from ..store.codec import to_db_time
from ..store.summary import day_of
from ..store.tables import T_SUMMARY
from .sql import FAILED_STATUSES, MONEY, frame, scope

C = T_SUMMARY.c


def covers(since: datetime, until: datetime) -> bool:
    """True when [since, until) is whole UTC days, so the per-day summary answers it exactly."""
    lo, hi = to_db_time(since), to_db_time(until)
    return lo == day_of(lo) and hi == day_of(hi)


def where(since: datetime, until: datetime, org: str | None, agent: str | None, sources: SourceFilter | None,
          agent_version: int | None) -> list[sa.ColumnElement]:
    """analytics.sql.in_window for summary rows (a day-aligned window)."""
    return [C.day >= to_db_time(since), C.day < to_db_time(until), *scope(C, org, agent, sources, agent_version)]


def total(name: str) -> sa.ColumnElement:
    """The sum of one summary column, named after it."""
    return sa.func.sum(C[name]).label(name)


def requests_if(cond: sa.ColumnElement) -> sa.ColumnElement:
    """The number of requests of the groups matching `cond` (count_if on the raw table)."""
    return sa.func.sum(sa.case((cond, C.requests), else_=0))


def counts() -> list[sa.ColumnElement]:
    """requests, cache_hits, errors."""
    return [total("requests"), requests_if(C.cached == sa.true()).label("cache_hits"),
            requests_if(C.status.in_(FAILED_STATUSES)).label("errors")]


def money() -> list[sa.ColumnElement]:
    """The MONEY columns (analytics.sql.money_columns' sums)."""
    return [total(name) for name in MONEY]


def tokens() -> list[sa.ColumnElement]:
    return [total("input_tokens"), total("output_tokens")]


def kpis_row(engine: Engine, window: dict[str, Any]) -> dict[str, Any]:
    """kpis' raw aggregate row: requests, ok, errors, cache_hits, MONEY, input/output tokens, unpriced_requests."""
    stmt = sa.select(*counts(), requests_if(C.status == "ok").label("ok"), *money(), *tokens(),
                     total("unpriced").label("unpriced_requests")).where(*where(**window))
    with engine.connect() as conn:
        return dict(conn.execute(stmt).mappings().one())


def grouped(engine: Engine, keys: list[str], columns: list[sa.ColumnElement], window: dict[str, Any]) -> pd.DataFrame:
    """GROUP BY `keys` (summary columns) over the window: the keys, then `columns`."""
    cols = [C[k] for k in keys]
    return frame(engine, sa.select(*cols, *columns).where(*where(**window)).group_by(*cols))


def by_day(engine: Engine, columns: list[sa.ColumnElement], window: dict[str, Any]) -> pd.DataFrame:
    """Per UTC day with traffic, oldest first: bucket, then `columns`."""
    stmt = (sa.select(C.day.label("bucket"), *columns).where(*where(**window)).group_by(C.day).order_by(C.day))
    return frame(engine, stmt)


def span(engine: Engine, window: dict[str, Any]) -> tuple[Any, Any]:
    """The first and last request time of the window (None, None without traffic)."""
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(C.first_ts), sa.func.max(C.last_ts))
                                   .where(*where(**window))).one()
    return first, last
