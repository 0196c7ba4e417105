"""Per-provider health from attempt_logs: error_rate_by_provider and latency_by_provider.

They count provider attempts, not requests: a provider that failed before another one answered, and every
provider of a request that failed everywhere, are counted; cache hits tried no provider and count nowhere. An
attempt's ts, org and agent are its interaction's, so org / agent filters read attempt_logs alone (on SQLite
through its (org, provider, outcome, latency_ms, ts, agent) / (agent, ...) indexes, in provider and latency
order, like the unfiltered (provider, ...) ones). `simulated` keeps only the attempts of simulated vendors (True,
demo mode) or of real ones (False); None counts both. It is the last column of every per-provider index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import TableClause

from ..store.tables import IX_ATT_AGENT, IX_ATT_ORG, IX_ATT_PROVIDER_LATENCY, IX_ATT_PROVIDER_TS, T_ATTEMPT
from .sql import Indexed, count_if, distinct, engine_of, frame, in_window, numeric, rank_offset

WALK_THRESHOLD = 100_000  # latency_by_provider on SQLite: sort up to this many rows, walk the index beyond


def _att(engine: Engine, index: str | None) -> TableClause:
    return Indexed(index, T_ATTEMPT) if engine.dialect.name == "sqlite" else T_ATTEMPT


def _attempts(engine: Engine, index: str | None, *, since: datetime, until: datetime, org: str | None,
              agent: str | None, simulated: bool | None = None,
              ok_only: bool = False) -> tuple[TableClause, list[sa.ColumnElement]]:
    """(attempts table, WHERE) for the attempts in [since, until) of the interactions that match org / agent
    (an attempt carries its interaction's ts, org and agent). attempt_logs alone, read on SQLite through
    `index` without a filter, else through the (org, provider, ...) index (org and agent: agent checked
    inside it) or the (agent, provider, ...) one."""
    if org is not None:
        index = IX_ATT_ORG
    elif agent is not None:
        index = IX_ATT_AGENT
    a = _att(engine, index)
    where = in_window(a, since, until, org, agent)
    if simulated is not None:  # the last column of each index: checked inside it
        where.append(a.c.simulated == (sa.true() if simulated else sa.false()))
    if ok_only:
        where.append(a.c.outcome == "ok")
    return a, where


def _per_provider(engine: Engine, columns_for: Any, *, since: datetime, until: datetime, org: str | None,
                  agent: str | None, simulated: bool | None, ok_only: bool = False) -> pd.DataFrame:
    """provider + the `columns_for(a)` aggregates (the first one a count) per provider with attempts in range.
    SQLite without a filter: the providers by a loose index scan, then one range seek on (provider, ts) per
    provider (neither GROUP BY nor a long window needs a sort). SQLite with a filter: one GROUP BY over the
    org's / agent's index slice, already in provider order. Elsewhere one GROUP BY."""
    if engine.dialect.name != "sqlite" or org is not None or agent is not None:
        a, where = _attempts(engine, None, since=since, until=until, org=org, agent=agent, simulated=simulated,
                             ok_only=ok_only)
        return frame(engine, sa.select(a.c.provider, *columns_for(a)).where(*where).group_by(a.c.provider))
    a, where = _attempts(engine, IX_ATT_PROVIDER_TS, since=since, until=until, org=None, agent=None,
                         simulated=simulated, ok_only=ok_only)
    records: list[list[Any]] = []
    with engine.connect() as conn:
        for provider in distinct(conn, a, "provider", [], nullable=False):
            row = conn.execute(sa.select(*columns_for(a)).where(a.c.provider == provider, *where)).one()
            if row[0]:
                records.append([provider, *row])
    return pd.DataFrame.from_records(records, columns=["provider", *[col.name for col in columns_for(a)]])


def _sqlite_percentiles(engine: Engine, counts: pd.DataFrame, *, since: datetime, until: datetime,
                        org: str | None, agent: str | None, simulated: bool | None) -> pd.DataFrame:
    """provider, p50_ms, p95_ms over successful attempts, `counts` giving each provider's number of them."""
    columns = ["provider", "p50_ms", "p95_ms"]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    sizes = {str(p): int(n) for p, n in zip(counts["provider"], counts["requests"])}
    if sum(sizes.values()) > WALK_THRESHOLD:
        # Many rows: walk each provider's latency-ordered index ((provider, outcome, latency_ms, ...), or the
        # org's / agent's (org, provider, outcome, latency_ms, ...)) to the rank (no sort at all).
        a, where = _attempts(engine, IX_ATT_PROVIDER_LATENCY, since=since, until=until, org=org, agent=agent,
                             simulated=simulated, ok_only=True)
        pick = (sa.select(a.c.latency_ms).where(a.c.provider == sa.bindparam("p"), *where)
                .order_by(a.c.latency_ms).limit(1).offset(sa.bindparam("k")))
        with engine.connect() as conn:
            rows = [[p, conn.execute(pick, {"p": p, "k": rank_offset(n, 50)}).scalar(),
                     conn.execute(pick, {"p": p, "k": rank_offset(n, 95)}).scalar()] for p, n in sizes.items()]
        return pd.DataFrame.from_records(rows, columns=columns)
    # Few rows: number each provider's latencies in order (one small sort) and keep the two ranks.
    a, where = _attempts(engine, IX_ATT_PROVIDER_TS, since=since, until=until, org=org, agent=agent,
                         simulated=simulated, ok_only=True)
    if org is None and agent is None:
        where.append(a.c.provider.in_(list(sizes)))  # one range seek per provider on (provider, ts)
    ranked = (sa.select(a.c.provider, a.c.latency_ms,
                        sa.func.row_number().over(partition_by=a.c.provider, order_by=a.c.latency_ms).label("rn"))
              .where(*where).subquery())
    r = ranked.c
    k50 = sa.case({p: rank_offset(n, 50) + 1 for p, n in sizes.items()}, value=r.provider)
    k95 = sa.case({p: rank_offset(n, 95) + 1 for p, n in sizes.items()}, value=r.provider)
    stmt = (sa.select(r.provider, sa.func.max(sa.case((r.rn == k50, r.latency_ms))).label("p50_ms"),
                      sa.func.max(sa.case((r.rn == k95, r.latency_ms))).label("p95_ms"))
            .where(sa.or_(r.rn == k50, r.rn == k95)).group_by(r.provider))
    return frame(engine, stmt)


def latency_by_provider(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                        agent: str | None = None, simulated: bool | None = None) -> pd.DataFrame:
    """Per provider, over its successful attempts (each try that got an answer; cache hits made none):
    provider, requests (successful attempts), p50_ms, p95_ms, mean_ms (attempt latency, nearest-rank
    percentiles). A provider whose every attempt failed is not listed (see `error_rate_by_provider`)."""
    engine = engine_of(engine_or_store)
    columns_out = ["provider", "requests", "p50_ms", "p95_ms", "mean_ms"]
    window = dict(since=since, until=until, org=org, agent=agent, simulated=simulated)
    if engine.dialect.name != "sqlite":
        a, where = _attempts(engine, None, ok_only=True, **window)
        stmt = (sa.select(a.c.provider, sa.func.count().label("requests"),
                          sa.func.percentile_disc(0.5).within_group(a.c.latency_ms).label("p50_ms"),
                          sa.func.percentile_disc(0.95).within_group(a.c.latency_ms).label("p95_ms"),
                          sa.func.avg(a.c.latency_ms).label("mean_ms"))
                .where(*where).group_by(a.c.provider).order_by(a.c.provider))
        return numeric(frame(engine, stmt)[columns_out], ints=["requests"], floats=["p50_ms", "p95_ms", "mean_ms"])
    counts = _per_provider(engine, lambda a: [sa.func.count().label("requests"),
                                              sa.func.total(a.c.latency_ms).label("latency_sum")],
                           ok_only=True, **window)
    counts = numeric(counts, ints=["requests"], floats=["latency_sum"])
    df = counts.merge(_sqlite_percentiles(engine, counts, **window), on="provider", how="left")
    df["mean_ms"] = df["latency_sum"] / df["requests"]
    df = df.sort_values("provider").reset_index(drop=True)
    return numeric(df[columns_out], ints=["requests"], floats=["p50_ms", "p95_ms", "mean_ms"])


def error_rate_by_provider(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                           agent: str | None = None, simulated: bool | None = None) -> pd.DataFrame:
    """Per provider, over its attempts (every try, including the ones another provider recovered from and
    those of requests that failed everywhere; cache hits made none): provider, requests (= attempts, the
    name the pages read), attempts, ok, errors, error_rate (errors / attempts, 0..1), highest error rate first."""
    engine = engine_of(engine_or_store)

    def columns(a: TableClause) -> list[sa.ColumnElement]:
        return [sa.func.count().label("attempts"), count_if(a.c.outcome == "error").label("errors")]

    df = _per_provider(engine, columns, since=since, until=until, org=org, agent=agent, simulated=simulated)
    df = numeric(df, ints=["attempts", "errors"])
    df["requests"] = df["attempts"]
    df["ok"] = df["attempts"] - df["errors"]
    df["error_rate"] = (df["errors"] / df["attempts"]).astype("float64")
    df = df.sort_values(["error_rate", "provider"], ascending=[False, True]).reset_index(drop=True)
    return df[["provider", "requests", "attempts", "ok", "errors", "error_rate"]]
