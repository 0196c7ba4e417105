"""Headline numbers and breakdowns of the request log: kpis, requests_by_tier, requests_by_provider_model,
spend_by_source, and the orgs / agents the filter widgets offer. Each reads a covering index of interaction_logs
(see store.tables).

`sources` picks which traffic counts: real traffic (router_core.sources.REAL_TRAFFIC_FILTER, rows logged
before sources existed included) by default, None for every row.

A window of whole UTC days is added up from interaction_summary (analytics/summary.py) unless `summary=False`,
which reads the raw rows (the same numbers: tests/test_summary.py); percentiles always read the raw rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.sql.expression import TableClause

from ..sources import MEASURING, REAL_TRAFFIC_FILTER, SOURCES, SourceFilter
from ..store.tables import IX_LOG_COMPLEXITY_TS, IX_LOG_LATENCY, IX_LOG_PROVIDER_MODEL_TS, IX_LOG_TS, LOG_TABLE, T_LOG
from ..types import Complexity
from . import summary as S
from .sql import (MONEY, add_savings, count_if, engine_of, failed, frame, in_window, log_table, money_columns, numeric,
                  rank_offset, ratio, sqlite_grouped)


def kpis(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
         agent: str | None = None, agent_version: int | None = None,
         sources: SourceFilter | None = REAL_TRAFFIC_FILTER, summary: bool = True) -> dict:
    """Headline numbers: requests, ok, errors, error_rate, spend_usd, baseline_usd, saved_usd (net), saved_pct
    (net, of the baseline), saved_by_cache_usd, saved_cheaper_usd (on routes cheaper than the baseline),
    upgrades_usd (spent above the baseline on dearer routes), saved_by_routing_usd (cheaper - upgrades),
    cache_hits, cache_hit_rate, p50_latency_ms (median over successful requests, cache hits included),
    input_tokens, output_tokens, unpriced_requests (successful non-cached calls whose cost or baseline is
    unknown). saved_usd = saved_by_cache_usd + saved_cheaper_usd - upgrades_usd."""
    engine = engine_of(engine_or_store)
    window = dict(since=since, until=until, org=org, agent=agent, sources=sources, agent_version=agent_version)
    row = S.kpis_row(engine, window) if summary and S.covers(since, until) else _kpis_row(engine, window)
    with engine.connect() as conn:
        n_ok = int(row["ok"] or 0)
        p50 = None
        if n_ok and engine.dialect.name == "postgresql":
            p50 = conn.execute(sa.select(sa.func.percentile_disc(0.5).within_group(T_LOG.c.latency_ms))
                               .where(*in_window(T_LOG, since, until, org, agent, sources, agent_version),
                                      T_LOG.c.status == "ok")).scalar()
        elif n_ok:
            tl = log_table(engine, IX_LOG_LATENCY)
            p50 = conn.execute(sa.select(tl.c.latency_ms)
                               .where(*in_window(tl, since, until, org, agent, sources, agent_version),
                                      tl.c.status == "ok")
                               .order_by(tl.c.latency_ms).limit(1).offset(rank_offset(n_ok, 50))).scalar()
    requests = int(row["requests"] or 0)
    by_cache = float(row["saved_by_cache_usd"] or 0.0)
    cheaper = float(row["saved_cheaper_usd"] or 0.0)
    upgrades = float(row["upgrades_usd"] or 0.0)
    by_routing = cheaper - upgrades
    baseline = float(row["baseline_usd"] or 0.0)
    saved = by_cache + by_routing
    errors = int(row["errors"] or 0)
    hits = int(row["cache_hits"] or 0)
    return {
        "requests": requests,
        "ok": n_ok,
        "errors": errors,
        "error_rate": ratio(errors, requests),
        "spend_usd": float(row["spend_usd"] or 0.0),
        "baseline_usd": baseline,
        "saved_usd": saved,
        "saved_pct": None if not baseline else 100.0 * saved / baseline,
        "saved_by_cache_usd": by_cache,
        "saved_cheaper_usd": cheaper,
        "upgrades_usd": upgrades,
        "saved_by_routing_usd": by_routing,
        "cache_hits": hits,
        "cache_hit_rate": ratio(hits, requests),
        "p50_latency_ms": None if p50 is None else float(p50),
        "input_tokens": int(row["input_tokens"] or 0),
        "output_tokens": int(row["output_tokens"] or 0),
        "unpriced_requests": int(row["unpriced_requests"] or 0),
    }


def _kpis_row(engine: Any, window: dict[str, Any]) -> dict[str, Any]:
    """kpis' aggregate row from the raw rows (a scan of the covering ts index)."""
    t = log_table(engine, IX_LOG_TS)
    c = t.c
    ok = c.status == "ok"
    stmt = sa.select(
        sa.func.count().label("requests"),
        count_if(ok).label("ok"),
        count_if(failed(t)).label("errors"),
        count_if(c.cached == sa.true()).label("cache_hits"),
        *money_columns(t),
        sa.func.sum(c.input_tokens).label("input_tokens"),
        sa.func.sum(c.output_tokens).label("output_tokens"),
        count_if(sa.and_(ok, c.cached == sa.false(),
                          sa.or_(c.cost_usd.is_(None), c.baseline_cost_usd.is_(None)))).label("unpriced_requests"),
    ).where(*in_window(t, **window))
    with engine.connect() as conn:
        return dict(conn.execute(stmt).mappings().one())


def requests_by_tier(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                     agent: str | None = None, agent_version: int | None = None,
                     sources: SourceFilter | None = REAL_TRAFFIC_FILTER, summary: bool = True) -> pd.DataFrame:
    """Per complexity tier (easiest first, CACHED and unknown labels last): complexity, requests, share,
    cache_hits, errors, spend_usd, baseline_usd, saved_cheaper_usd, upgrades_usd, saved_usd (net)."""
    engine = engine_of(engine_or_store)

    def columns(t: TableClause) -> list[sa.ColumnElement]:
        return [sa.func.count().label("requests"), count_if(t.c.cached == sa.true()).label("cache_hits"),
                count_if(failed(t)).label("errors"), *money_columns(t)]

    window = dict(since=since, until=until, org=org, agent=agent, sources=sources, agent_version=agent_version)
    if summary and S.covers(since, until):
        df = S.grouped(engine, ["complexity"], [*S.counts(), *S.money()], window)
    elif engine.dialect.name == "sqlite":
        df = sqlite_grouped(engine, IX_LOG_COMPLEXITY_TS, ["complexity"], columns,
                             lambda t: in_window(t, since, until, org, agent, sources, agent_version))
    else:
        stmt = (sa.select(T_LOG.c.complexity, *columns(T_LOG))
                .where(*in_window(T_LOG, since, until, org, agent, sources, agent_version))
                .group_by(T_LOG.c.complexity))
        df = frame(engine, stmt)
    df = add_savings(numeric(df, ints=["requests", "cache_hits", "errors"], floats=MONEY))
    total = df["requests"].sum()
    df["share"] = (df["requests"] / total if total else df["requests"] * 0.0).astype("float64")
    order = {tier.value: i for i, tier in enumerate([*Complexity.tiers(), Complexity.CACHED])}
    df["_order"] = df["complexity"].map(lambda v: order.get(v, len(order)))
    df = df.sort_values(["_order", "complexity"]).drop(columns="_order").reset_index(drop=True)
    return df[["complexity", "requests", "share", "cache_hits", "errors", "spend_usd", "baseline_usd",
               "saved_cheaper_usd", "upgrades_usd", "saved_usd"]]


def requests_by_provider_model(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                               agent: str | None = None, agent_version: int | None = None,
                               sources: SourceFilter | None = REAL_TRAFFIC_FILTER,
                               summary: bool = True) -> pd.DataFrame:
    """Per (provider, model), most requests first: requests, cache_hits, errors, input_tokens,
    output_tokens, spend_usd, baseline_usd, saved_cheaper_usd, upgrades_usd, saved_usd (net), avg_latency_ms.
    Requests that reached no provider show provider and model "(none)"."""
    engine = engine_of(engine_or_store)

    def columns(t: TableClause) -> list[sa.ColumnElement]:
        c = t.c
        return [sa.func.count().label("requests"), count_if(c.cached == sa.true()).label("cache_hits"),
                count_if(failed(t)).label("errors"), sa.func.sum(c.input_tokens).label("input_tokens"),
                sa.func.sum(c.output_tokens).label("output_tokens"), *money_columns(t),
                sa.func.avg(c.latency_ms).label("avg_latency_ms")]

    window = dict(since=since, until=until, org=org, agent=agent, sources=sources, agent_version=agent_version)
    if summary and S.covers(since, until):
        df = S.grouped(engine, ["provider", "model"], [*S.counts(), *S.tokens(), *S.money(),
                                                       S.total("latency_ms")], window)
        df["avg_latency_ms"] = pd.to_numeric(df.pop("latency_ms")) / pd.to_numeric(df["requests"])
    elif engine.dialect.name == "sqlite":
        df = sqlite_grouped(engine, IX_LOG_PROVIDER_MODEL_TS, ["provider", "model"], columns,
                             lambda t: in_window(t, since, until, org, agent, sources, agent_version))
    else:
        stmt = (sa.select(T_LOG.c.provider, T_LOG.c.model, *columns(T_LOG))
                .where(*in_window(T_LOG, since, until, org, agent, sources, agent_version))
                .group_by(T_LOG.c.provider, T_LOG.c.model))
        df = frame(engine, stmt)
    df = add_savings(numeric(df, ints=["requests", "cache_hits", "errors", "input_tokens", "output_tokens"],
                             floats=[*MONEY, "avg_latency_ms"]))
    df["provider"] = df["provider"].fillna("(none)")
    df["model"] = df["model"].fillna("(none)")
    df = df.sort_values(["requests", "provider", "model"], ascending=[False, True, True]).reset_index(drop=True)
    return df[["provider", "model", "requests", "cache_hits", "errors", "input_tokens", "output_tokens",
               "spend_usd", "baseline_usd", "saved_cheaper_usd", "upgrades_usd", "saved_usd", "avg_latency_ms"]]


def spend_by_source(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                    agent: str | None = None, sources: SourceFilter | None = None,
                    agent_version: int | None = None, summary: bool = True) -> pd.DataFrame:
    """Per source (None: logged before sources existed), in router_core.sources.SOURCES order: source,
    requests, errors, spend_usd, baseline_usd. Only sources with requests in range; `sources` narrows them."""
    engine = engine_of(engine_or_store)
    if summary and S.covers(since, until):
        df = S.grouped(engine, ["source"], [S.total("requests"), S.counts()[2],
                                            *S.money()[:2]],
                       dict(since=since, until=until, org=org, agent=agent, sources=sources,
                            agent_version=agent_version))
    else:
        c = T_LOG.c
        stmt = (sa.select(c.source, sa.func.count().label("requests"), count_if(failed(T_LOG)).label("errors"),
                          *money_columns(T_LOG)[:2])
                .where(*in_window(T_LOG, since, until, org, agent, sources, agent_version)).group_by(c.source))
        df = frame(engine, stmt)
    df = numeric(df, ints=["requests", "errors"], floats=["spend_usd", "baseline_usd"])
    order = {s: i for i, s in enumerate(SOURCES)}
    df["_order"] = df["source"].map(lambda v: order.get(v, len(order)))
    df["source"] = df["source"].astype(object).where(df["source"].notna(), None)
    return df.sort_values("_order").drop(columns="_order").reset_index(drop=True)[
        ["source", "requests", "errors", "spend_usd", "baseline_usd"]]


def measuring_costs(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
                    agent: str | None = None, summary: bool = True) -> pd.DataFrame:
    """What measuring cost: one row per MEASURING source (compare, eval, shadow), zeros included, from
    `spend_by_source`."""
    df = spend_by_source(engine_or_store, since=since, until=until, org=org, agent=agent, sources=MEASURING,
                         summary=summary)
    present = df.set_index("source")
    rows = [[s, *(present.loc[s].tolist() if s in present.index else [0, 0, 0.0, 0.0])] for s in MEASURING]
    out = pd.DataFrame.from_records(rows, columns=["source", "requests", "errors", "spend_usd", "baseline_usd"])
    return numeric(out, ints=["requests", "errors"], floats=["spend_usd", "baseline_usd"])


def distinct_orgs_agents(engine_or_store: Any) -> dict[str, list[str]]:
    """Every org and agent seen in the log, sorted: {"orgs": [...], "agents": [...]}, for filter widgets.
    A loose index scan (one seek per distinct value on the (org, ts) / (agent, ts) indexes), so it stays
    fast on millions of rows."""
    engine = engine_of(engine_or_store)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for key, column in (("orgs", "org"), ("agents", "agent")):
            sql = sa.text(
                f"WITH RECURSIVE seen(v) AS ("
                f" SELECT min({column}) FROM {LOG_TABLE}"
                f" UNION ALL"
                f" SELECT (SELECT min({column}) FROM {LOG_TABLE} WHERE {column} > seen.v)"
                f" FROM seen WHERE seen.v IS NOT NULL)"
                f" SELECT v FROM seen WHERE v IS NOT NULL")
            out[key] = sorted(str(v) for v in conn.execute(sql).scalars())
    return out
