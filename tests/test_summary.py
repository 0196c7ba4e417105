"""interaction_summary gives exactly the Savings figures the raw log gives, on SQLite and (when set) PostgreSQL.

Thousands of varied requests go through Store.log_interaction (NULL orgs, agents and versions, every source and
none, unpriced rows, cache hits, failures, cut and cancelled streams, simulated answers, requests that reached no
provider) over twelve days. Money and latencies are multiples of 2**-16 and 1/4, so every sum is exact in binary
floating point whatever the order it is added up in: each summary figure must *equal* the raw table's (summary=False),
not approximately — a request counted twice, missed or put in the wrong group shows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core import analytics as A
from router_core.sources import MEASURING, REAL_TRAFFIC_FILTER
from router_core.store import InteractionRecord
from router_core.store import summary as store_summary
from router_core.store.tables import T_SUMMARY

START = datetime(2025, 6, 1, tzinfo=timezone.utc)
DAYS = 12
ORGS = ["acme", "globex", None, ""]
AGENTS = [None, "support", "coder"]
SOURCES = [None, "playground", "api", "gateway", "compare", "eval", "shadow"]
TARGETS = [("groq", "llama"), ("openai", "mini"), ("anthropic", "sonnet"), ("local", "smol"), (None, None)]
TIERS = ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"]
STATUSES = ["ok"] * 12 + ["error", "cut", "cancelled"]


def money(rng: random.Random) -> float | None:
    return None if rng.random() < 0.08 else rng.randint(0, 4000) / 2 ** 16


def varied_records(n: int, seed: int = 11) -> list[InteractionRecord]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        provider, model = rng.choice(TARGETS)
        status = "error" if provider is None else rng.choice(STATUSES)
        cached = provider is not None and status == "ok" and rng.random() < 0.15
        agent = rng.choice(AGENTS)
        ts = START + timedelta(seconds=rng.randrange(DAYS * 86400), microseconds=rng.randrange(1_000_000))
        out.append(InteractionRecord(
            org=rng.choice(ORGS), agent=agent, session_id=None, prompt="p", messages_json="[]", response="r",
            complexity="CACHED" if cached else rng.choice(TIERS), score=0.5, reasons=[], provider=provider,
            model=model, input_tokens=rng.randint(0, 3000), output_tokens=rng.randint(0, 900), cached_input_tokens=0,
            reasoning_tokens=0, cost_usd=0.0 if cached else money(rng), baseline_cost_usd=money(rng),
            latency_ms=rng.randint(0, 40000) / 4, ttft_ms=None, cached=cached, status=status,
            error=None if status == "ok" else "boom", simulated=rng.random() < 0.2, ts=ts,
            source=rng.choice(SOURCES), agent_version=None if agent is None else rng.choice([None, 1, 2])))
    return out


@pytest.fixture
def logged(store):
    for rec in varied_records(2500):
        store.log_interaction(rec)
    return store


WINDOWS = [
    dict(since=START, until=START + timedelta(days=DAYS)),
    dict(since=START + timedelta(days=2), until=START + timedelta(days=5)),
    dict(since=START + timedelta(days=4), until=START + timedelta(days=5)),  # one day: hourly charts
    dict(since=START + timedelta(days=DAYS), until=START + timedelta(days=DAYS + 3)),  # no traffic
]
FILTERS = [
    dict(),
    dict(sources=None),
    dict(sources=MEASURING),
    dict(sources=(None,)),
    dict(org="acme"),
    dict(org=""),
    dict(agent="support"),
    dict(agent="coder", agent_version=2),
    dict(org="globex", agent="support", agent_version=1, sources=("api", "gateway")),
]


def figures(store, summary: bool, window: dict, filters: dict, hourly: bool = True) -> dict:
    """Every Savings figure of one window and filter (report.SavingsData's aggregates, daily and, unless not
    `hourly`, hourly: those always read the log)."""
    kw = dict(window, **filters)
    plain = {k: v for k, v in kw.items() if k not in ("agent_version", "sources")}
    return {
        "kpis": A.kpis(store, summary=summary, **kw),
        "tiers": A.requests_by_tier(store, summary=summary, **kw),
        "providers": A.requests_by_provider_model(store, summary=summary, **kw),
        "spend_day": A.spend_over_time(store, bucket="day", summary=summary, **kw),
        **({"spend_hour": A.spend_over_time(store, bucket="hour", summary=summary, **kw)} if hourly else {}),
        "cache_day": A.cache_hit_rate_over_time(store, bucket="day", summary=summary, **kw),
        "span": A.traffic_span(store, summary=summary, **kw),
        "sources": A.spend_by_source(store, summary=summary, **{"sources": None, **kw}),
        "measuring": A.measuring_costs(store, summary=summary, **plain),
    }


@pytest.mark.parametrize("window", WINDOWS, ids=["all", "three-days", "one-day", "empty"])
def test_every_savings_figure_from_the_summary_equals_the_raw_log(logged, window):
    compared = 0
    for filters in FILTERS:
        fast, raw = figures(logged, True, window, filters), figures(logged, False, window, filters)
        for name in fast:
            if isinstance(raw[name], pd.DataFrame):
                pd.testing.assert_frame_equal(fast[name], raw[name], check_exact=True, obj=f"{name} {filters}")
                compared += len(raw[name])
            else:
                assert fast[name] == raw[name], (name, filters)
    if window["since"] < START + timedelta(days=DAYS):
        assert compared > 100  # the windows with traffic compare real rows, not empty frames


def test_the_summary_path_reads_only_the_summary(logged):
    """Proof that the figures above really came from interaction_summary: only kpis' median latency reads the log."""
    statements: list[str] = []
    sa.event.listen(logged.engine, "before_cursor_execute",
                    lambda conn, cursor, sql, params, context, many: statements.append(sql))
    assert not figures(logged, True, WINDOWS[0], {}, hourly=False)["tiers"].empty
    on_log = [s for s in statements if "interaction_logs" in s]
    assert any("interaction_summary" in s for s in statements)
    assert len(on_log) == 1 and "latency_ms" in on_log[0], on_log


def test_a_window_not_of_whole_days_reads_the_log(logged):
    """A window starting mid-day is not answerable from per-day rows: it is added up from the raw log."""
    with logged.engine.begin() as conn:  # make the summary wrong on purpose: only the raw path ignores it
        conn.execute(T_SUMMARY.update().values(requests=T_SUMMARY.c.requests + 1000))
    since, until = START + timedelta(hours=5), START + timedelta(days=3)
    k = A.kpis(logged, since=since, until=until, sources=None)
    assert k == A.kpis(logged, since=since, until=until, sources=None, summary=False)
    assert A.kpis(logged, since=START, until=until, sources=None)["requests"] > 1000  # the whole-day one reads it


def summary_rows(store) -> pd.DataFrame:
    cols = [c for c in T_SUMMARY.columns if c.name != "id"]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).order_by(T_SUMMARY.c.day, T_SUMMARY.c.group_key)).fetchall()
    return pd.DataFrame.from_records(rows, columns=[c.name for c in cols])


def test_the_backfill_builds_what_the_writer_built(logged):
    """rebuild (the v12 migration's INSERT ... SELECT) gives the same rows, keys included, as one upsert per request."""
    written = summary_rows(logged)
    assert 100 < len(written) < 2500  # requests of a group and day share a row
    with logged.engine.begin() as conn:
        assert store_summary.rebuild(conn) == len(written)
    pd.testing.assert_frame_equal(summary_rows(logged), written, check_exact=True)


def test_group_keys_keep_null_and_empty_apart():
    row = {name: None for name in store_summary.GROUP_COLUMNS} | {"complexity": "SIMPLE", "cached": False,
                                                                   "status": "ok", "simulated": True}
    keys = {store_summary.group_key(row | change) for change in (
        {}, {"org": ""}, {"org": "-"}, {"org": "a|1:b"}, {"org": "a", "agent": "1:b"}, {"agent_version": 1},
        {"simulated": False})}
    assert len(keys) == 7


def test_the_default_savings_traffic_is_real_traffic(logged):
    """The summary path keeps the default filter: real traffic only, measuring apart."""
    everything = A.kpis(logged, **WINDOWS[0], sources=None)["requests"]
    real = A.kpis(logged, **WINDOWS[0])["requests"]
    measuring = int(A.measuring_costs(logged, **WINDOWS[0])["requests"].sum())
    assert real == A.kpis(logged, **WINDOWS[0], sources=REAL_TRAFFIC_FILTER, summary=False)["requests"]
    assert 0 < real < everything and real + measuring == everything
