"""Money and cache hits per UTC hour or day (only buckets with traffic): spend_over_time, cache_hit_rate_over_time.
Like the headline numbers they count real traffic unless `sources` says otherwise (see analytics.savings).

Daily buckets of a window of whole UTC days come from interaction_summary (analytics/summary.py) unless
`summary=False`. The raw rows: on SQLite one correlated range scan of the covering ts index per bucket (no GROUP BY
sort); on PostgreSQL date_trunc(ts AT TIME ZONE 'UTC') and GROUP BY.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..sources import REAL_TRAFFIC_FILTER, SourceFilter
from ..store.codec import SQLITE_TIME_FORMAT, to_db_time
from ..store.tables import IX_LOG_TS, LOG_TABLE, T_LOG
from . import summary as S
from .sql import MONEY, add_savings, check_bucket, count_if, engine_of, frame, in_window, money_columns, numeric

_SQLITE_BUCKET = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


def _sqlite_time_series(engine: Engine, *, since: datetime, until: datetime, org: str | None, agent: str | None,
                        agent_version: int | None, sources: SourceFilter | None, bucket: str,
                        measures: list[tuple[str, str, str]]) -> pd.DataFrame:
    """One correlated range scan of the covering ts index per bucket (no GROUP BY sort).

    `measures` are (name, SQL aggregate, kind) with kind "int" or "float"; each bucket's aggregates come
    back packed in one printf() string (17 significant digits, so floats survive exactly)."""
    lo, hi = to_db_time(since), to_db_time(until)
    with engine.connect() as conn:  # clamp the bucket range to the data (two index seeks)
        first, last = conn.execute(sa.select(sa.func.min(T_LOG.c.ts), sa.func.max(T_LOG.c.ts))
                                   .where(T_LOG.c.ts >= lo, T_LOG.c.ts < hi)).one()
        if first is None:
            return pd.DataFrame(columns=["bucket", *[m[0] for m in measures]])
        extra = ""
        params: dict[str, Any] = {"lo": lo.strftime(SQLITE_TIME_FORMAT), "hi": hi.strftime(SQLITE_TIME_FORMAT),
                                  "first": to_db_time(first).strftime(SQLITE_TIME_FORMAT),
                                  "last": to_db_time(last).strftime(SQLITE_TIME_FORMAT)}
        if org is not None:
            extra += " AND org = :org"
            params["org"] = org
        if agent is not None:
            extra += " AND agent = :agent"
            params["agent"] = agent
        if agent_version is not None:
            extra += " AND agent_version = :agent_version"
            params["agent_version"] = agent_version
        if sources is not None:
            names = [src for src in sources if src is not None]
            params.update({f"src{i}": name for i, name in enumerate(names)})
            tests = [f"source IN ({', '.join(f':src{i}' for i in range(len(names)))})"] if names else []
            tests += ["source IS NULL"] if None in sources else []
            extra += f" AND ({' OR '.join(tests) or '0'})"
        fmt = _SQLITE_BUCKET[bucket] + ".000000"
        step = "+1 hour" if bucket == "hour" else "+1 day"
        pattern = "|".join("%d" if kind == "int" else "%!.17g" for _, _, kind in measures)
        aggregates = ", ".join(f"coalesce({expr}, 0)" for _, expr, _ in measures)
        sql = sa.text(
            f"WITH RECURSIVE b(s) AS ("
            f"  SELECT strftime('{fmt}', :first)"
            f"  UNION ALL SELECT strftime('{fmt}', s, '{step}') FROM b WHERE s <= strftime('{fmt}', :last))"
            f" SELECT s AS bucket, (SELECT printf('{pattern}', {aggregates})"
            f"   FROM {LOG_TABLE} INDEXED BY {IX_LOG_TS}"
            f"   WHERE ts >= max(b.s, :lo) AND ts < min(strftime('{fmt}', b.s, '{step}'), :hi){extra}) AS packed"
            f" FROM b WHERE s <= :last ORDER BY s")
        rows = conn.execute(sql, params).fetchall()
    records = []
    for start, packed in rows:
        values = packed.split("|")
        if int(values[0]) == 0:  # empty bucket: PostgreSQL's GROUP BY would not return it either
            continue
        records.append([start] + [int(v) if kind == "int" else float(v) for v, (_, _, kind) in zip(values, measures)])
    return pd.DataFrame.from_records(records, columns=["bucket", *[m[0] for m in measures]])


_SQLITE_MONEY = [
    ("spend_usd", "total(CASE WHEN cached = 0 THEN coalesce(cost_usd, 0.0) ELSE 0.0 END)", "float"),
    ("baseline_usd", "total(coalesce(baseline_cost_usd, 0.0))", "float"),
    ("saved_by_cache_usd", "total(CASE WHEN cached = 1 THEN coalesce(baseline_cost_usd, 0.0) ELSE 0.0 END)", "float"),
    ("saved_cheaper_usd", "total(CASE WHEN cached = 0 AND baseline_cost_usd > cost_usd "
                          "THEN baseline_cost_usd - cost_usd ELSE 0.0 END)", "float"),
    ("upgrades_usd", "total(CASE WHEN cached = 0 AND cost_usd > baseline_cost_usd "
                     "THEN cost_usd - baseline_cost_usd ELSE 0.0 END)", "float"),
]


def _pg_time_series(engine: Engine, *, since, until, org, agent, agent_version, sources, bucket: str,
                    columns: list[sa.ColumnElement]) -> pd.DataFrame:
    b = sa.func.date_trunc(bucket, sa.func.timezone("UTC", T_LOG.c.ts), type_=sa.DateTime).label("bucket")
    stmt = (sa.select(b, *columns).where(*in_window(T_LOG, since, until, org, agent, sources, agent_version))
            .group_by(b).order_by(b))
    return frame(engine, stmt)


def _summary_window(window: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in window.items() if k != "bucket"}


def spend_over_time(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                    agent: str | None = None, agent_version: int | None = None, bucket: str = "day",
                    sources: SourceFilter | None = REAL_TRAFFIC_FILTER, summary: bool = True) -> pd.DataFrame:
    """Per UTC bucket with traffic: bucket, requests, spend_usd, baseline_usd, saved_usd (net),
    saved_by_cache_usd, saved_cheaper_usd, upgrades_usd, saved_by_routing_usd, and running totals
    cum_spend_usd, cum_baseline_usd, cum_saved_usd."""
    check_bucket(bucket)
    engine = engine_of(engine_or_store)
    window = dict(since=since, until=until, org=org, agent=agent, agent_version=agent_version, sources=sources,
                  bucket=bucket)
    if summary and bucket == "day" and S.covers(since, until):
        df = S.by_day(engine, [S.total("requests"), *S.money()], _summary_window(window))
    elif engine.dialect.name == "sqlite":
        df = _sqlite_time_series(engine, measures=[("requests", "count(*)", "int"), *_SQLITE_MONEY], **window)
    else:
        df = _pg_time_series(engine, columns=[sa.func.count().label("requests"), *money_columns(T_LOG)], **window)
    df = add_savings(numeric(df, ints=["requests"], floats=MONEY))
    df["bucket"] = pd.to_datetime(df["bucket"], utc=True)
    for col in ("spend_usd", "baseline_usd", "saved_usd"):
        df[f"cum_{col}"] = df[col].cumsum()
    return df[["bucket", "requests", "spend_usd", "baseline_usd", "saved_usd", "saved_by_cache_usd",
               "saved_cheaper_usd", "upgrades_usd", "saved_by_routing_usd", "cum_spend_usd", "cum_baseline_usd",
               "cum_saved_usd"]]


def cache_hit_rate_over_time(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                             agent: str | None = None, agent_version: int | None = None, bucket: str = "day",
                             sources: SourceFilter | None = REAL_TRAFFIC_FILTER,
                             summary: bool = True) -> pd.DataFrame:
    """Per UTC bucket with traffic: bucket, requests, cache_hits, hit_rate (0..1)."""
    check_bucket(bucket)
    engine = engine_of(engine_or_store)
    window = dict(since=since, until=until, org=org, agent=agent, agent_version=agent_version, sources=sources,
                  bucket=bucket)
    if summary and bucket == "day" and S.covers(since, until):
        df = S.by_day(engine, S.counts()[:2], _summary_window(window))
    elif engine.dialect.name == "sqlite":
        df = _sqlite_time_series(engine, measures=[("requests", "count(*)", "int"),
                                                   ("cache_hits", "sum(CASE WHEN cached = 1 THEN 1 ELSE 0 END)",
                                                    "int")], **window)
    else:
        df = _pg_time_series(engine, **window,
                             columns=[sa.func.count().label("requests"),
                                      count_if(T_LOG.c.cached == sa.true()).label("cache_hits")])
    df = numeric(df, ints=["requests", "cache_hits"])
    df["bucket"] = pd.to_datetime(df["bucket"], utc=True)
    df["hit_rate"] = (df["cache_hits"] / df["requests"]).astype("float64")
    return df


def traffic_span(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                 agent: str | None = None, agent_version: int | None = None,
                 sources: SourceFilter | None = REAL_TRAFFIC_FILTER,
                 summary: bool = True) -> tuple[datetime, datetime] | None:
    """The first and last request time in the window (None without traffic): charts bucket by the data's span."""
    engine = engine_of(engine_or_store)
    if summary and S.covers(since, until):
        first, last = S.span(engine, dict(since=since, until=until, org=org, agent=agent, sources=sources,
                                          agent_version=agent_version))
        return None if first is None else (to_db_time(first), to_db_time(last))
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(T_LOG.c.ts), sa.func.max(T_LOG.c.ts))
                                   .where(*in_window(T_LOG, since, until, org, agent, sources, agent_version))).one()
    return None if first is None else (to_db_time(first), to_db_time(last))
