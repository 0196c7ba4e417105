"""Dashboard numbers, aggregated in SQL and returned as small pandas frames.

Every function takes `(engine_or_store, *, since, until, org=None, agent=None)`: `since` inclusive,
`until` exclusive, aware datetimes (naive ones are taken as UTC). Rows are never loaded one by one
into pandas; only aggregated results are. SQLite and PostgreSQL give the same numbers:

* time buckets are UTC (strftime on SQLite, date_trunc(ts AT TIME ZONE 'UTC') on PostgreSQL) and only
  buckets with at least one request are returned;
* percentiles are nearest-rank (the value at position ceil(p*n) in ascending order): percentile_disc
  on PostgreSQL, an index walk with LIMIT 1 OFFSET ceil(p*n)-1 on SQLite.

Speed on SQLite (the default store, millions of rows): SQLite aggregates by sorting unless the rows
already arrive in GROUP BY order, and reading the wide rows (prompts, responses) is what costs. So each
query names the covering index it reads (`INDEXED BY`, see store.py): aggregates scan a narrow index
in order, GROUP BY complexity / provider follows the index order, time buckets are one correlated
range scan per bucket (no sort), percentiles walk a latency-ordered index. PostgreSQL plans the plain
queries itself (hash aggregates, percentile_disc).

Per-provider health (`error_rate_by_provider`, `latency_by_provider`) counts provider attempts from
`attempt_logs`, not requests: a provider that failed before another one answered, and every provider of a
request that failed everywhere, are counted; cache hits tried no provider and count nowhere. An attempt's
ts, org and agent are its interaction's, so org / agent filters read attempt_logs alone (on SQLite through
its (org, provider, outcome, latency_ms, ts, agent) / (agent, ...) indexes, in provider and latency order,
like the unfiltered (provider, ...) ones).

Money definitions (see `kpis`):
  spend      = cost of the non-cached calls whose cost is known (a cache hit costs nothing)
  baseline   = what the same usage would have cost on the baseline model (where known)
  saved      = saved by cache (the whole baseline of every hit)
             + saved by routing (baseline - cost of every non-cached call where both are known)
When every call is priced, saved == baseline - spend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import TableClause

from .store import T_ATTEMPT, T_LOG, to_db_time
from .types import Complexity

BUCKETS = ("hour", "day")
_SQLITE_BUCKET = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite

IX_TS = "ix_interaction_logs_ts"
IX_COMPLEXITY = "ix_interaction_logs_complexity_ts"
IX_PROVIDER_MODEL = "ix_interaction_logs_provider_model_ts"
IX_LATENCY = "ix_interaction_logs_latency"
# attempt_logs' indexes on SQLite (see store.AttemptLog)
IX_ATT_PROVIDER_TS = "ix_attempt_logs_provider_ts"
IX_ATT_PROVIDER_LATENCY = "ix_attempt_logs_provider_latency"
IX_ATT_ORG = "ix_attempt_logs_org"
IX_ATT_AGENT = "ix_attempt_logs_agent"
WALK_THRESHOLD = 100_000  # latency_by_provider on SQLite: sort up to this many rows, walk the index beyond


# --------------------------------------------------------------------------------------------------
# interaction_logs read through a named index (SQLite `INDEXED BY`; plain table elsewhere)
# --------------------------------------------------------------------------------------------------


class _Indexed(TableClause):
    """A table (`interaction_logs` by default) with the same typed columns, rendered `table INDEXED BY ix`
    on SQLite."""

    inherit_cache = False  # the index name is not part of TableClause's cache key

    def __init__(self, index: str | None, table: sa.Table = T_LOG) -> None:
        super().__init__(table.name, *(sa.column(col.name, col.type) for col in table.columns))
        self.index = index


@compiles(_Indexed)
def _compile_indexed(element: _Indexed, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_table(element, **kw)
    if kw.get("asfrom") and element.index and compiler.dialect.name == "sqlite":
        text += f" INDEXED BY {element.index}"
    return text


def _log(engine: Engine, index: str | None) -> TableClause:
    return _Indexed(index) if engine.dialect.name == "sqlite" else T_LOG


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------


def _engine(engine_or_store: Any) -> Engine:
    engine = getattr(engine_or_store, "engine", engine_or_store)
    if not isinstance(engine, Engine):
        raise TypeError("pass a Store or a SQLAlchemy Engine")
    return engine


def _where(t: TableClause, since: datetime, until: datetime, org: str | None,
           agent: str | None) -> list[sa.ColumnElement]:
    c = t.c
    where = [c.ts >= to_db_time(since), c.ts < to_db_time(until)]
    if org is not None:
        where.append(c.org == org)
    if agent is not None:
        where.append(c.agent == agent)
    return where


def _count_if(cond: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((cond, 1), else_=0))


def _money_columns(t: TableClause) -> list[sa.ColumnElement]:
    c = t.c
    cached, not_cached = c.cached == sa.true(), c.cached == sa.false()
    priced = sa.and_(not_cached, c.cost_usd.is_not(None), c.baseline_cost_usd.is_not(None))
    return [
        sa.func.sum(sa.case((not_cached, sa.func.coalesce(c.cost_usd, 0.0)), else_=0.0)).label("spend_usd"),
        sa.func.sum(sa.func.coalesce(c.baseline_cost_usd, 0.0)).label("baseline_usd"),
        sa.func.sum(sa.case((cached, sa.func.coalesce(c.baseline_cost_usd, 0.0)), else_=0.0))
        .label("saved_by_cache_usd"),
        sa.func.sum(sa.case((priced, c.baseline_cost_usd - c.cost_usd), else_=0.0)).label("saved_by_routing_usd"),
    ]


MONEY = ["spend_usd", "baseline_usd", "saved_by_cache_usd", "saved_by_routing_usd"]


def _frame(engine: Engine, stmt: sa.Executable) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


def _numeric(df: pd.DataFrame, ints: Any = (), floats: Any = ()) -> pd.DataFrame:
    for col in ints:
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    for col in floats:
        df[col] = pd.to_numeric(df[col]).astype("float64")
    return df


def _ratio(num: float, den: float) -> float | None:
    return None if not den else num / den


def _rank_offset(n: int, pct: int) -> int:
    """0-based position of the nearest-rank percentile: ceil(pct/100 * n) - 1, in integers."""
    return (n * pct + 99) // 100 - 1


def _check_bucket(bucket: str) -> None:
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")


# --------------------------------------------------------------------------------------------------
# GROUP BY without a sort on SQLite: find the groups with index seeks, aggregate each with a range seek
# --------------------------------------------------------------------------------------------------


def _distinct(conn: sa.Connection, t: TableClause, column: str, where: list[sa.ColumnElement],
              nullable: bool | None = None) -> list[Any]:
    """Distinct values of `column` (NULL included if present) by a loose index scan: one seek per value
    on an index whose leading columns are the `where` equalities followed by `column`. `nullable`
    defaults to the interaction_logs column's."""
    col = t.c[column]
    values: list[Any] = []
    value = conn.execute(sa.select(sa.func.min(col)).where(*where)).scalar()
    while value is not None:
        values.append(value)
        value = conn.execute(sa.select(sa.func.min(col)).where(*where, col > value)).scalar()
    if (T_LOG.c[column].nullable if nullable is None else nullable) and conn.execute(
            sa.select(sa.literal(1)).where(*where, col.is_(None)).limit(1)).first() is not None:
        values.append(None)
    return values


def _eq(col: sa.ColumnElement, value: Any) -> sa.ColumnElement:
    return col.is_(None) if value is None else col == value


def _sqlite_grouped(engine: Engine, index: str, keys: list[str], columns_for: Any,
                    where_for: Any) -> pd.DataFrame:
    """GROUP BY `keys` as one aggregate per group, each a seek into `index` (whose leading columns are
    `keys`, then ts). `columns_for(t)` gives the aggregate columns, `where_for(t)` the filters."""
    t = _log(engine, index)
    records: list[list[Any]] = []
    names: list[str] = []
    with engine.connect() as conn:
        groups: list[tuple[Any, ...]] = [()]
        for depth, key in enumerate(keys):
            groups = [(*g, v) for g in groups
                      for v in _distinct(conn, t, key, [_eq(t.c[k], gv) for k, gv in zip(keys[:depth], g)])]
        for group in groups:
            stmt = sa.select(*columns_for(t)).where(*[_eq(t.c[k], v) for k, v in zip(keys, group)], *where_for(t))
            result = conn.execute(stmt)
            names = list(result.keys())
            row = result.one()
            if row[0]:  # first column is count(*): skip groups without rows in range
                records.append([*group, *row])
    if not names:
        names = [col.name for col in columns_for(t)]
    return pd.DataFrame.from_records(records, columns=[*keys, *names])


# --------------------------------------------------------------------------------------------------
# Time buckets
# --------------------------------------------------------------------------------------------------


def _sqlite_time_series(engine: Engine, *, since: datetime, until: datetime, org: str | None, agent: str | None,
                        bucket: str, measures: list[tuple[str, str, str]]) -> pd.DataFrame:
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
        params: dict[str, Any] = {"lo": lo.strftime(_SQLITE_TS), "hi": hi.strftime(_SQLITE_TS),
                                  "first": to_db_time(first).strftime(_SQLITE_TS),
                                  "last": to_db_time(last).strftime(_SQLITE_TS)}
        if org is not None:
            extra += " AND org = :org"
            params["org"] = org
        if agent is not None:
            extra += " AND agent = :agent"
            params["agent"] = agent
        fmt = _SQLITE_BUCKET[bucket] + ".000000"
        step = "+1 hour" if bucket == "hour" else "+1 day"
        pattern = "|".join("%d" if kind == "int" else "%!.17g" for _, _, kind in measures)
        aggregates = ", ".join(f"coalesce({expr}, 0)" for _, expr, _ in measures)
        sql = sa.text(
            f"WITH RECURSIVE b(s) AS ("
            f"  SELECT strftime('{fmt}', :first)"
            f"  UNION ALL SELECT strftime('{fmt}', s, '{step}') FROM b WHERE s <= strftime('{fmt}', :last))"
            f" SELECT s AS bucket, (SELECT printf('{pattern}', {aggregates})"
            f"   FROM interaction_logs INDEXED BY {IX_TS}"
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
    ("saved_by_routing_usd", "total(CASE WHEN cached = 0 AND cost_usd IS NOT NULL AND baseline_cost_usd IS NOT NULL "
                             "THEN baseline_cost_usd - cost_usd ELSE 0.0 END)", "float"),
]


def _pg_time_series(engine: Engine, *, since, until, org, agent, bucket: str,
                    columns: list[sa.ColumnElement]) -> pd.DataFrame:
    b = sa.func.date_trunc(bucket, sa.func.timezone("UTC", T_LOG.c.ts), type_=sa.DateTime).label("bucket")
    stmt = (sa.select(b, *columns).where(*_where(T_LOG, since, until, org, agent)).group_by(b).order_by(b))
    return _frame(engine, stmt)


# --------------------------------------------------------------------------------------------------
# Dashboard queries
# --------------------------------------------------------------------------------------------------


def kpis(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
         agent: str | None = None) -> dict:
    """Headline numbers: requests, ok, errors, error_rate, spend_usd, baseline_usd, saved_usd, saved_pct,
    saved_by_cache_usd, saved_by_routing_usd, cache_hits, cache_hit_rate, p50_latency_ms (median over
    successful requests, cache hits included), input_tokens, output_tokens, unpriced_requests (successful
    non-cached calls whose cost or baseline is unknown)."""
    engine = _engine(engine_or_store)
    t = _log(engine, IX_TS)
    c = t.c
    where = _where(t, since, until, org, agent)
    ok = c.status == "ok"
    stmt = sa.select(
        sa.func.count().label("requests"),
        _count_if(ok).label("ok"),
        _count_if(c.status == "error").label("errors"),
        _count_if(c.cached == sa.true()).label("cache_hits"),
        *_money_columns(t),
        sa.func.sum(c.input_tokens).label("input_tokens"),
        sa.func.sum(c.output_tokens).label("output_tokens"),
        _count_if(sa.and_(ok, c.cached == sa.false(),
                          sa.or_(c.cost_usd.is_(None), c.baseline_cost_usd.is_(None)))).label("unpriced_requests"),
    ).where(*where)
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().one()
        n_ok = int(row["ok"] or 0)
        p50 = None
        if n_ok and engine.dialect.name == "postgresql":
            p50 = conn.execute(sa.select(sa.func.percentile_disc(0.5).within_group(T_LOG.c.latency_ms))
                               .where(*_where(T_LOG, since, until, org, agent), T_LOG.c.status == "ok")).scalar()
        elif n_ok:
            tl = _log(engine, IX_LATENCY)
            p50 = conn.execute(sa.select(tl.c.latency_ms)
                               .where(*_where(tl, since, until, org, agent), tl.c.status == "ok")
                               .order_by(tl.c.latency_ms).limit(1).offset(_rank_offset(n_ok, 50))).scalar()
    requests = int(row["requests"] or 0)
    by_cache = float(row["saved_by_cache_usd"] or 0.0)
    by_routing = float(row["saved_by_routing_usd"] or 0.0)
    baseline = float(row["baseline_usd"] or 0.0)
    saved = by_cache + by_routing
    errors = int(row["errors"] or 0)
    hits = int(row["cache_hits"] or 0)
    return {
        "requests": requests,
        "ok": n_ok,
        "errors": errors,
        "error_rate": _ratio(errors, requests),
        "spend_usd": float(row["spend_usd"] or 0.0),
        "baseline_usd": baseline,
        "saved_usd": saved,
        "saved_pct": None if not baseline else 100.0 * saved / baseline,
        "saved_by_cache_usd": by_cache,
        "saved_by_routing_usd": by_routing,
        "cache_hits": hits,
        "cache_hit_rate": _ratio(hits, requests),
        "p50_latency_ms": None if p50 is None else float(p50),
        "input_tokens": int(row["input_tokens"] or 0),
        "output_tokens": int(row["output_tokens"] or 0),
        "unpriced_requests": int(row["unpriced_requests"] or 0),
    }


def spend_over_time(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                    agent: str | None = None, bucket: str = "day") -> pd.DataFrame:
    """Per UTC bucket with traffic: bucket, requests, spend_usd, baseline_usd, saved_usd,
    saved_by_cache_usd, saved_by_routing_usd, and running totals cum_spend_usd, cum_baseline_usd,
    cum_saved_usd."""
    _check_bucket(bucket)
    engine = _engine(engine_or_store)
    if engine.dialect.name == "sqlite":
        df = _sqlite_time_series(engine, since=since, until=until, org=org, agent=agent, bucket=bucket,
                                 measures=[("requests", "count(*)", "int"), *_SQLITE_MONEY])
    else:
        df = _pg_time_series(engine, since=since, until=until, org=org, agent=agent, bucket=bucket,
                             columns=[sa.func.count().label("requests"), *_money_columns(T_LOG)])
    df = _numeric(df, ints=["requests"], floats=MONEY)
    df["bucket"] = pd.to_datetime(df["bucket"], utc=True)
    df["saved_usd"] = df["saved_by_cache_usd"] + df["saved_by_routing_usd"]
    for col in ("spend_usd", "baseline_usd", "saved_usd"):
        df[f"cum_{col}"] = df[col].cumsum()
    return df[["bucket", "requests", "spend_usd", "baseline_usd", "saved_usd", "saved_by_cache_usd",
               "saved_by_routing_usd", "cum_spend_usd", "cum_baseline_usd", "cum_saved_usd"]]


def cache_hit_rate_over_time(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                             agent: str | None = None, bucket: str = "day") -> pd.DataFrame:
    """Per UTC bucket with traffic: bucket, requests, cache_hits, hit_rate (0..1)."""
    _check_bucket(bucket)
    engine = _engine(engine_or_store)
    if engine.dialect.name == "sqlite":
        df = _sqlite_time_series(engine, since=since, until=until, org=org, agent=agent, bucket=bucket,
                                 measures=[("requests", "count(*)", "int"),
                                           ("cache_hits", "sum(CASE WHEN cached = 1 THEN 1 ELSE 0 END)", "int")])
    else:
        df = _pg_time_series(engine, since=since, until=until, org=org, agent=agent, bucket=bucket,
                             columns=[sa.func.count().label("requests"),
                                      _count_if(T_LOG.c.cached == sa.true()).label("cache_hits")])
    df = _numeric(df, ints=["requests", "cache_hits"])
    df["bucket"] = pd.to_datetime(df["bucket"], utc=True)
    df["hit_rate"] = (df["cache_hits"] / df["requests"]).astype("float64")
    return df


def requests_by_tier(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                     agent: str | None = None) -> pd.DataFrame:
    """Per complexity tier (easiest first, CACHED and unknown labels last): complexity, requests, share,
    cache_hits, errors, spend_usd, baseline_usd, saved_usd."""
    engine = _engine(engine_or_store)

    def columns(t: TableClause) -> list[sa.ColumnElement]:
        return [sa.func.count().label("requests"), _count_if(t.c.cached == sa.true()).label("cache_hits"),
                _count_if(t.c.status == "error").label("errors"), *_money_columns(t)]

    if engine.dialect.name == "sqlite":
        df = _sqlite_grouped(engine, IX_COMPLEXITY, ["complexity"], columns,
                             lambda t: _where(t, since, until, org, agent))
    else:
        stmt = (sa.select(T_LOG.c.complexity, *columns(T_LOG)).where(*_where(T_LOG, since, until, org, agent))
                .group_by(T_LOG.c.complexity))
        df = _frame(engine, stmt)
    df = _numeric(df, ints=["requests", "cache_hits", "errors"], floats=MONEY)
    df["saved_usd"] = df["saved_by_cache_usd"] + df["saved_by_routing_usd"]
    total = df["requests"].sum()
    df["share"] = (df["requests"] / total if total else df["requests"] * 0.0).astype("float64")
    order = {tier.value: i for i, tier in enumerate([*Complexity.tiers(), Complexity.CACHED])}
    df["_order"] = df["complexity"].map(lambda v: order.get(v, len(order)))
    df = df.sort_values(["_order", "complexity"]).drop(columns="_order").reset_index(drop=True)
    return df[["complexity", "requests", "share", "cache_hits", "errors", "spend_usd", "baseline_usd", "saved_usd"]]


def requests_by_provider_model(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                               agent: str | None = None) -> pd.DataFrame:
    """Per (provider, model), most requests first: requests, cache_hits, errors, input_tokens,
    output_tokens, spend_usd, baseline_usd, saved_usd, avg_latency_ms. Requests that reached no provider
    show provider and model "(none)"."""
    engine = _engine(engine_or_store)

    def columns(t: TableClause) -> list[sa.ColumnElement]:
        c = t.c
        return [sa.func.count().label("requests"), _count_if(c.cached == sa.true()).label("cache_hits"),
                _count_if(c.status == "error").label("errors"), sa.func.sum(c.input_tokens).label("input_tokens"),
                sa.func.sum(c.output_tokens).label("output_tokens"), *_money_columns(t),
                sa.func.avg(c.latency_ms).label("avg_latency_ms")]

    if engine.dialect.name == "sqlite":
        df = _sqlite_grouped(engine, IX_PROVIDER_MODEL, ["provider", "model"], columns,
                             lambda t: _where(t, since, until, org, agent))
    else:
        stmt = (sa.select(T_LOG.c.provider, T_LOG.c.model, *columns(T_LOG))
                .where(*_where(T_LOG, since, until, org, agent)).group_by(T_LOG.c.provider, T_LOG.c.model))
        df = _frame(engine, stmt)
    df = _numeric(df, ints=["requests", "cache_hits", "errors", "input_tokens", "output_tokens"],
                  floats=[*MONEY, "avg_latency_ms"])
    df["provider"] = df["provider"].fillna("(none)")
    df["model"] = df["model"].fillna("(none)")
    df["saved_usd"] = df["saved_by_cache_usd"] + df["saved_by_routing_usd"]
    df = df.sort_values(["requests", "provider", "model"], ascending=[False, True, True]).reset_index(drop=True)
    return df[["provider", "model", "requests", "cache_hits", "errors", "input_tokens", "output_tokens",
               "spend_usd", "baseline_usd", "saved_usd", "avg_latency_ms"]]


# --------------------------------------------------------------------------------------------------
# Provider attempts (attempt_logs)
# --------------------------------------------------------------------------------------------------


def _att(engine: Engine, index: str | None) -> TableClause:
    return _Indexed(index, T_ATTEMPT) if engine.dialect.name == "sqlite" else T_ATTEMPT


def _attempts(engine: Engine, index: str | None, *, since: datetime, until: datetime, org: str | None,
              agent: str | None, ok_only: bool = False) -> tuple[TableClause, list[sa.ColumnElement]]:
    """(attempts table, WHERE) for the attempts in [since, until) of the interactions that match org / agent
    (an attempt carries its interaction's ts, org and agent). attempt_logs alone, read on SQLite through
    `index` without a filter, else through the (org, provider, ...) index (org and agent: agent checked
    inside it) or the (agent, provider, ...) one."""
    if org is not None:
        index = IX_ATT_ORG
    elif agent is not None:
        index = IX_ATT_AGENT
    a = _att(engine, index)
    where = _where(a, since, until, org, agent)
    if ok_only:
        where.append(a.c.outcome == "ok")
    return a, where


def _per_provider(engine: Engine, columns_for: Any, *, since: datetime, until: datetime, org: str | None,
                  agent: str | None, ok_only: bool = False) -> pd.DataFrame:
    """provider + the `columns_for(a)` aggregates (the first one a count) per provider with attempts in range.
    SQLite without a filter: the providers by a loose index scan, then one range seek on (provider, ts) per
    provider (neither GROUP BY nor a long window needs a sort). SQLite with a filter: one GROUP BY over the
    org's / agent's index slice, already in provider order. Elsewhere one GROUP BY."""
    if engine.dialect.name != "sqlite" or org is not None or agent is not None:
        a, where = _attempts(engine, None, since=since, until=until, org=org, agent=agent, ok_only=ok_only)
        return _frame(engine, sa.select(a.c.provider, *columns_for(a)).where(*where).group_by(a.c.provider))
    a, where = _attempts(engine, IX_ATT_PROVIDER_TS, since=since, until=until, org=None, agent=None,
                         ok_only=ok_only)
    records: list[list[Any]] = []
    with engine.connect() as conn:
        for provider in _distinct(conn, a, "provider", [], nullable=False):
            row = conn.execute(sa.select(*columns_for(a)).where(a.c.provider == provider, *where)).one()
            if row[0]:
                records.append([provider, *row])
    return pd.DataFrame.from_records(records, columns=["provider", *[col.name for col in columns_for(a)]])


def _sqlite_percentiles(engine: Engine, counts: pd.DataFrame, *, since: datetime, until: datetime,
                        org: str | None, agent: str | None) -> pd.DataFrame:
    """provider, p50_ms, p95_ms over successful attempts, `counts` giving each provider's number of them."""
    columns = ["provider", "p50_ms", "p95_ms"]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    sizes = {str(p): int(n) for p, n in zip(counts["provider"], counts["requests"])}
    if sum(sizes.values()) > WALK_THRESHOLD:
        # Many rows: walk each provider's latency-ordered index ((provider, outcome, latency_ms, ...), or the
        # org's / agent's (org, provider, outcome, latency_ms, ...)) to the rank (no sort at all).
        a, where = _attempts(engine, IX_ATT_PROVIDER_LATENCY, since=since, until=until, org=org, agent=agent,
                             ok_only=True)
        pick = (sa.select(a.c.latency_ms).where(a.c.provider == sa.bindparam("p"), *where)
                .order_by(a.c.latency_ms).limit(1).offset(sa.bindparam("k")))
        with engine.connect() as conn:
            rows = [[p, conn.execute(pick, {"p": p, "k": _rank_offset(n, 50)}).scalar(),
                     conn.execute(pick, {"p": p, "k": _rank_offset(n, 95)}).scalar()] for p, n in sizes.items()]
        return pd.DataFrame.from_records(rows, columns=columns)
    # Few rows: number each provider's latencies in order (one small sort) and keep the two ranks.
    a, where = _attempts(engine, IX_ATT_PROVIDER_TS, since=since, until=until, org=org, agent=agent, ok_only=True)
    if org is None and agent is None:
        where.append(a.c.provider.in_(list(sizes)))  # one range seek per provider on (provider, ts)
    ranked = (sa.select(a.c.provider, a.c.latency_ms,
                        sa.func.row_number().over(partition_by=a.c.provider, order_by=a.c.latency_ms).label("rn"))
              .where(*where).subquery())
    r = ranked.c
    k50 = sa.case({p: _rank_offset(n, 50) + 1 for p, n in sizes.items()}, value=r.provider)
    k95 = sa.case({p: _rank_offset(n, 95) + 1 for p, n in sizes.items()}, value=r.provider)
    stmt = (sa.select(r.provider, sa.func.max(sa.case((r.rn == k50, r.latency_ms))).label("p50_ms"),
                      sa.func.max(sa.case((r.rn == k95, r.latency_ms))).label("p95_ms"))
            .where(sa.or_(r.rn == k50, r.rn == k95)).group_by(r.provider))
    return _frame(engine, stmt)


def latency_by_provider(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                        agent: str | None = None) -> pd.DataFrame:
    """Per provider, over its successful attempts (each try that got an answer; cache hits made none):
    provider, requests (successful attempts), p50_ms, p95_ms, mean_ms (attempt latency, nearest-rank
    percentiles). A provider whose every attempt failed is not listed (see `error_rate_by_provider`)."""
    engine = _engine(engine_or_store)
    columns_out = ["provider", "requests", "p50_ms", "p95_ms", "mean_ms"]
    window = dict(since=since, until=until, org=org, agent=agent)
    if engine.dialect.name != "sqlite":
        a, where = _attempts(engine, None, ok_only=True, **window)
        stmt = (sa.select(a.c.provider, sa.func.count().label("requests"),
                          sa.func.percentile_disc(0.5).within_group(a.c.latency_ms).label("p50_ms"),
                          sa.func.percentile_disc(0.95).within_group(a.c.latency_ms).label("p95_ms"),
                          sa.func.avg(a.c.latency_ms).label("mean_ms"))
                .where(*where).group_by(a.c.provider).order_by(a.c.provider))
        return _numeric(_frame(engine, stmt)[columns_out], ints=["requests"], floats=["p50_ms", "p95_ms", "mean_ms"])
    counts = _per_provider(engine, lambda a: [sa.func.count().label("requests"),
                                              sa.func.total(a.c.latency_ms).label("latency_sum")],
                           ok_only=True, **window)
    counts = _numeric(counts, ints=["requests"], floats=["latency_sum"])
    df = counts.merge(_sqlite_percentiles(engine, counts, **window), on="provider", how="left")
    df["mean_ms"] = df["latency_sum"] / df["requests"]
    df = df.sort_values("provider").reset_index(drop=True)
    return _numeric(df[columns_out], ints=["requests"], floats=["p50_ms", "p95_ms", "mean_ms"])


def error_rate_by_provider(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                           agent: str | None = None) -> pd.DataFrame:
    """Per provider, over its attempts (every try, including the ones another provider recovered from and
    those of requests that failed everywhere; cache hits made none): provider, requests (= attempts, the
    name the pages read), attempts, ok, errors, error_rate (errors / attempts, 0..1), highest error rate first."""
    engine = _engine(engine_or_store)

    def columns(a: TableClause) -> list[sa.ColumnElement]:
        return [sa.func.count().label("attempts"), _count_if(a.c.outcome == "error").label("errors")]

    df = _per_provider(engine, columns, since=since, until=until, org=org, agent=agent)
    df = _numeric(df, ints=["attempts", "errors"])
    df["requests"] = df["attempts"]
    df["ok"] = df["attempts"] - df["errors"]
    df["error_rate"] = (df["errors"] / df["attempts"]).astype("float64")
    df = df.sort_values(["error_rate", "provider"], ascending=[False, True]).reset_index(drop=True)
    return df[["provider", "requests", "attempts", "ok", "errors", "error_rate"]]


# --------------------------------------------------------------------------------------------------
# Filter widgets
# --------------------------------------------------------------------------------------------------


def distinct_orgs_agents(engine_or_store: Any) -> dict[str, list[str]]:
    """Every org and agent seen in the log, sorted: {"orgs": [...], "agents": [...]}, for filter widgets.
    A loose index scan (one seek per distinct value on the (org, ts) / (agent, ts) indexes), so it stays
    fast on millions of rows."""
    engine = _engine(engine_or_store)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for key, column in (("orgs", "org"), ("agents", "agent")):
            sql = sa.text(
                f"WITH RECURSIVE seen(v) AS ("
                f" SELECT min({column}) FROM interaction_logs"
                f" UNION ALL"
                f" SELECT (SELECT min({column}) FROM interaction_logs WHERE {column} > seen.v)"
                f" FROM seen WHERE seen.v IS NOT NULL)"
                f" SELECT v FROM seen WHERE v IS NOT NULL")
            out[key] = sorted(str(v) for v in conn.execute(sql).scalars())
    return out


__all__ = ["kpis", "spend_over_time", "requests_by_tier", "requests_by_provider_model", "cache_hit_rate_over_time",
           "latency_by_provider", "error_rate_by_provider", "distinct_orgs_agents", "BUCKETS"]
