"""Dashboard aggregates checked against hand-computed numbers, on SQLite and (when set) PostgreSQL.

The dataset (since = 2025-03-01 00:00 UTC, until = 2025-03-03 00:00 UTC):

  #  day hour org    agent   tier     provider  model   cost   baseline latency cached status
  1  d1  01   acme   support SIMPLE   groq      llama   0.001  0.010    100     no     ok
  2  d1  02   acme   support MEDIUM   openai    mini    0.004  0.020    300     no     ok
  3  d1  03   acme   coder   COMPLEX  anthropic sonnet  0.030  0.030    900     no     ok
  4  d1  04   globex coder   CACHED   groq      llama   0.000  0.010      5     yes    ok
  5  d1  05   globex support TRIVIAL  local     smol    0.000  0.002     50     no     ok
  6  d2  01   acme   support MEDIUM   openai    mini    0.000  None    2000     no     error
  7  d2  02   globex analyst EXPERT   anthropic sonnet  0.050  0.050   1500     no     ok
  8  d2  03   acme   coder   CACHED   groq      llama   0.000  0.010      3     yes    ok
  plus one row just before `since` and one exactly at `until` (both outside the window).

spend = 0.001+0.004+0.030+0+0.050 = 0.085; baseline = 0.132; saved by cache = 0.020;
saved by routing = 0.009+0.016+0+0.002+0 = 0.027; saved = 0.047 = baseline - spend.

These rows carry no attempt trail, so each non-cached one counts as one attempt of its provider (see
store.attempt_rows); the attempt tests further down give real trails.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core import analytics as A
from router_core.store import InteractionRecord
from router_core.types import Attempt

SINCE = datetime(2025, 3, 1, tzinfo=timezone.utc)
UNTIL = datetime(2025, 3, 3, tzinfo=timezone.utc)
D1, D2 = SINCE, SINCE + timedelta(days=1)
W = dict(since=SINCE, until=UNTIL)

ROWS = [
    (D1 + timedelta(hours=1), "acme", "support", "SIMPLE", "groq", "llama", 0.001, 0.010, 100, False, "ok"),
    (D1 + timedelta(hours=2), "acme", "support", "MEDIUM", "openai", "mini", 0.004, 0.020, 300, False, "ok"),
    (D1 + timedelta(hours=3), "acme", "coder", "COMPLEX", "anthropic", "sonnet", 0.030, 0.030, 900, False, "ok"),
    (D1 + timedelta(hours=4), "globex", "coder", "CACHED", "groq", "llama", 0.0, 0.010, 5, True, "ok"),
    (D1 + timedelta(hours=5), "globex", "support", "TRIVIAL", "local", "smol", 0.0, 0.002, 50, False, "ok"),
    (D2 + timedelta(hours=1), "acme", "support", "MEDIUM", "openai", "mini", 0.0, None, 2000, False, "error"),
    (D2 + timedelta(hours=2), "globex", "analyst", "EXPERT", "anthropic", "sonnet", 0.050, 0.050, 1500, False, "ok"),
    (D2 + timedelta(hours=3), "acme", "coder", "CACHED", "groq", "llama", 0.0, 0.010, 3, True, "ok"),
    # outside the window
    (SINCE - timedelta(microseconds=1), "acme", "writer", "SIMPLE", "groq", "llama", 1.0, 2.0, 7, False, "ok"),
    (UNTIL, "initech", "support", "SIMPLE", "groq", "llama", 1.0, 2.0, 7, False, "error"),
]


def record(ts, org, agent, tier, provider, model, cost, baseline, latency, cached, status, **kw) -> InteractionRecord:
    return InteractionRecord(
        org=org, agent=agent, session_id=None, prompt="p", messages_json="[]", response=None if status == "error" else "r",
        complexity=tier, score=0.5, reasons=[], provider=provider, model=model, input_tokens=100, output_tokens=10,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=cost, baseline_cost_usd=baseline, latency_ms=latency,
        ttft_ms=None, cached=cached, status=status, error="boom" if status == "error" else None, ts=ts, **kw)


@pytest.fixture
def seeded(store):
    for row in ROWS:
        store.log_interaction(record(*row))
    return store


def test_kpis(seeded):
    k = A.kpis(seeded, **W)
    assert (k["requests"], k["ok"], k["errors"], k["cache_hits"]) == (8, 7, 1, 2)
    assert k["error_rate"] == pytest.approx(1 / 8) and k["cache_hit_rate"] == pytest.approx(0.25)
    assert k["spend_usd"] == pytest.approx(0.085)
    assert k["baseline_usd"] == pytest.approx(0.132)
    assert k["saved_by_cache_usd"] == pytest.approx(0.020)
    assert k["saved_by_routing_usd"] == pytest.approx(0.027)
    assert k["saved_usd"] == pytest.approx(0.047) == k["baseline_usd"] - k["spend_usd"]
    assert k["saved_pct"] == pytest.approx(100 * 0.047 / 0.132)
    assert k["p50_latency_ms"] == 100.0  # ok latencies 3 5 50 [100] 300 900 1500
    assert (k["input_tokens"], k["output_tokens"], k["unpriced_requests"]) == (800, 80, 0)


def test_kpis_filters(seeded):
    acme = A.kpis(seeded, **W, org="acme")
    assert acme["requests"] == 5 and acme["errors"] == 1 and acme["cache_hits"] == 1
    assert acme["spend_usd"] == pytest.approx(0.035) and acme["baseline_usd"] == pytest.approx(0.070)
    assert acme["saved_by_cache_usd"] == pytest.approx(0.010)
    assert acme["saved_by_routing_usd"] == pytest.approx(0.025)
    assert acme["p50_latency_ms"] == 100.0  # 3 [100] 300 900
    coder = A.kpis(seeded, **W, agent="coder")
    assert coder["requests"] == 3 and coder["cache_hits"] == 2 and coder["spend_usd"] == pytest.approx(0.030)
    assert coder["p50_latency_ms"] == 5.0  # 3 [5] 900
    both = A.kpis(seeded, **W, org="globex", agent="coder")
    assert both["requests"] == 1 and both["saved_usd"] == pytest.approx(0.010)
    day2 = A.kpis(seeded, since=D2, until=UNTIL)
    assert day2["requests"] == 3 and day2["errors"] == 1 and day2["spend_usd"] == pytest.approx(0.050)
    assert day2["p50_latency_ms"] == 3.0  # ok: [3] 1500
    naive = A.kpis(seeded, since=D2.replace(tzinfo=None), until=UNTIL.replace(tzinfo=None))  # naive = UTC
    assert naive["requests"] == 3
    empty = A.kpis(seeded, since=UNTIL + timedelta(days=5), until=UNTIL + timedelta(days=6))
    assert empty["requests"] == 0 and empty["p50_latency_ms"] is None and empty["saved_pct"] is None
    assert empty["cache_hit_rate"] is None and empty["spend_usd"] == 0.0


def test_savings_figures_of_one_agent_version(store):
    """Two versions of one agent (and another agent): every savings figure can be read for one version."""
    rows = [  # (hour, agent, version, tier, provider, model, cost, baseline, cached)
        (1, "support", 1, "SIMPLE", "groq", "llama", 0.001, 0.010, False),
        (2, "support", 1, "MEDIUM", "openai", "mini", 0.004, 0.020, False),
        (3, "support", 2, "COMPLEX", "anthropic", "sonnet", 0.030, 0.030, False),
        (4, "support", 2, "CACHED", "groq", "llama", 0.0, 0.010, True),
        (5, "support", 2, "SIMPLE", "groq", "llama", 0.002, 0.010, False),
        (6, "coder", 2, "MEDIUM", "openai", "mini", 0.005, 0.020, False),
        (7, "support", None, "SIMPLE", "groq", "llama", 0.001, 0.010, False),  # logged before versions
    ]
    ids = [store.log_interaction(record(D1 + timedelta(hours=h), "acme", agent, tier, provider, model, cost, base,
                                        10.0 * h, cached, "ok", agent_version=v, source="playground"))
           for h, agent, v, tier, provider, model, cost, base, cached in rows]
    store.set_feedback(ids[0], 1)
    store.set_feedback(ids[2], -1)
    v1 = A.kpis(store, **W, agent="support", agent_version=1)
    v2 = A.kpis(store, **W, agent="support", agent_version=2)
    every = A.kpis(store, **W, agent="support")
    assert (v1["requests"], v2["requests"], every["requests"]) == (2, 3, 6)
    assert v1["spend_usd"] == pytest.approx(0.005) and v1["saved_usd"] == pytest.approx(0.025)
    assert v2["spend_usd"] == pytest.approx(0.032) and v2["cache_hits"] == 1
    assert v2["saved_usd"] == pytest.approx(0.018) and v2["p50_latency_ms"] == 40.0  # 30 [40] 50
    assert A.kpis(store, **W, agent_version=2)["requests"] == 4  # a version number alone spans agents
    tiers = A.requests_by_tier(store, **W, agent="support", agent_version=2).set_index("complexity")
    assert tiers["requests"].to_dict() == {"SIMPLE": 1, "COMPLEX": 1, "CACHED": 1}
    models = A.requests_by_provider_model(store, **W, agent="support", agent_version=1)
    assert list(zip(models["provider"], models["requests"])) == [("groq", 1), ("openai", 1)]
    daily = A.spend_over_time(store, **W, agent="support", agent_version=2, bucket="day")
    assert daily["requests"].tolist() == [3] and daily["spend_usd"].sum() == pytest.approx(0.032)
    hourly = A.cache_hit_rate_over_time(store, **W, agent="support", agent_version=2, bucket="hour")
    assert hourly["cache_hits"].tolist() == [0, 1, 0]
    assert A.traffic_span(store, **W, agent="support", agent_version=1) == (D1 + timedelta(hours=1),
                                                                             D1 + timedelta(hours=2))
    thumbs = A.feedback(store, **W, agent="support", agent_version=1)
    assert (thumbs["thumbs_up"].sum(), thumbs["thumbs_down"].sum()) == (1, 0)
    assert A.kpis(store, **W, agent="support", agent_version=9)["requests"] == 0


def test_unpriced_requests_are_counted_not_guessed(store):
    store.log_interaction(record(D1, "a", None, "SIMPLE", "custom", "mystery", None, 0.01, 10, False, "ok"))
    store.log_interaction(record(D1, "a", None, "SIMPLE", "groq", "llama", 0.001, 0.01, 10, False, "ok"))
    k = A.kpis(store, **W)
    assert k["unpriced_requests"] == 1 and k["spend_usd"] == pytest.approx(0.001)
    assert k["saved_by_routing_usd"] == pytest.approx(0.009)  # only where both costs are known


def test_spend_over_time_by_day_and_hour(seeded):
    df = A.spend_over_time(seeded, **W, bucket="day")
    assert list(df["bucket"]) == [pd.Timestamp(D1), pd.Timestamp(D2)]
    assert list(df["requests"]) == [5, 3]
    assert df["spend_usd"].tolist() == pytest.approx([0.035, 0.050])
    assert df["baseline_usd"].tolist() == pytest.approx([0.072, 0.060])
    assert df["saved_usd"].tolist() == pytest.approx([0.037, 0.010])
    assert df["saved_by_cache_usd"].tolist() == pytest.approx([0.010, 0.010])
    assert df["cum_spend_usd"].tolist() == pytest.approx([0.035, 0.085])
    assert df["cum_baseline_usd"].tolist() == pytest.approx([0.072, 0.132])
    assert df["cum_saved_usd"].tolist() == pytest.approx([0.037, 0.047])
    hours = A.spend_over_time(seeded, **W, bucket="hour")
    assert len(hours) == 8 and hours["requests"].sum() == 8
    assert hours["bucket"].iloc[0] == pd.Timestamp(D1 + timedelta(hours=1))
    assert hours["cum_spend_usd"].iloc[-1] == pytest.approx(0.085)
    globex = A.spend_over_time(seeded, **W, org="globex")
    assert list(globex["requests"]) == [2, 1] and globex["spend_usd"].tolist() == pytest.approx([0.0, 0.050])
    # a window starting mid-bucket only counts what is inside it
    partial = A.spend_over_time(seeded, since=D1 + timedelta(hours=2, minutes=30), until=D2 + timedelta(hours=2))
    assert list(partial["requests"]) == [3, 1]
    assert A.spend_over_time(seeded, since=UNTIL + timedelta(days=1), until=UNTIL + timedelta(days=2)).empty
    with pytest.raises(ValueError):
        A.spend_over_time(seeded, **W, bucket="week")


def test_cache_hit_rate_over_time(seeded):
    df = A.cache_hit_rate_over_time(seeded, **W)
    assert list(df["requests"]) == [5, 3] and list(df["cache_hits"]) == [1, 1]
    assert df["hit_rate"].tolist() == pytest.approx([0.2, 1 / 3])
    coder = A.cache_hit_rate_over_time(seeded, **W, agent="coder")
    assert coder["hit_rate"].tolist() == pytest.approx([0.5, 1.0])


def test_requests_by_tier(seeded):
    df = A.requests_by_tier(seeded, **W)
    assert list(df["complexity"]) == ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT", "CACHED"]
    assert list(df["requests"]) == [1, 1, 2, 1, 1, 2]
    assert df["share"].sum() == pytest.approx(1.0) and df["share"].iloc[2] == pytest.approx(0.25)
    assert list(df["errors"]) == [0, 0, 1, 0, 0, 0] and list(df["cache_hits"]) == [0, 0, 0, 0, 0, 2]
    assert df["spend_usd"].tolist() == pytest.approx([0.0, 0.001, 0.004, 0.030, 0.050, 0.0])
    assert df["saved_usd"].tolist() == pytest.approx([0.002, 0.009, 0.016, 0.0, 0.0, 0.020])
    acme = A.requests_by_tier(seeded, **W, org="acme")
    assert dict(zip(acme["complexity"], acme["requests"])) == {"SIMPLE": 1, "MEDIUM": 2, "COMPLEX": 1, "CACHED": 1}


def test_requests_by_provider_model(seeded):
    df = A.requests_by_provider_model(seeded, **W)
    assert list(zip(df["provider"], df["model"], df["requests"])) == [
        ("groq", "llama", 3), ("anthropic", "sonnet", 2), ("openai", "mini", 2), ("local", "smol", 1)]
    groq = df.iloc[0]
    assert groq["cache_hits"] == 2 and groq["spend_usd"] == pytest.approx(0.001)
    assert groq["saved_usd"] == pytest.approx(0.029) and groq["avg_latency_ms"] == pytest.approx(36.0)
    assert df.iloc[2]["errors"] == 1 and df["input_tokens"].sum() == 800



# ---- sources: real traffic by default, upgrades apart from savings --------------------------------------------
#
# On top of the seeded rows (all logged before sources existed, so real traffic), same window:
#   a  d1 06  acme support EXPERT  anthropic opus   cost 0.060 baseline 0.030  source gateway  (an upgrade: +0.030)
#   b  d1 07  acme support SIMPLE  groq      llama  cost 0.002 baseline 0.012  source api      (saves 0.010)
#   c  d1 08  acme support MEDIUM  openai    big    cost 0.500 baseline 0.020  source compare  (a Compare column)
#   d  d2 04  acme support MEDIUM  local     smol   cost 0.000 baseline 0.020  source cli
#   e  d2 05  acme support MEDIUM  openai    mini   cost 0.007 baseline 0.014  source eval
SOURCED = [
    (D1 + timedelta(hours=6), "acme", "support", "EXPERT", "anthropic", "opus", 0.060, 0.030, 800, False, "ok",
     "gateway"),
    (D1 + timedelta(hours=7), "acme", "support", "SIMPLE", "groq", "llama", 0.002, 0.012, 80, False, "ok", "api"),
    (D1 + timedelta(hours=8), "acme", "support", "MEDIUM", "openai", "big", 0.500, 0.020, 900, False, "ok",
     "compare"),
    (D2 + timedelta(hours=4), "acme", "support", "MEDIUM", "local", "smol", 0.0, 0.020, 60, False, "ok", "cli"),
    (D2 + timedelta(hours=5), "acme", "support", "MEDIUM", "openai", "mini", 0.007, 0.014, 300, False, "ok", "eval"),
]


@pytest.fixture
def sourced(seeded):
    for *row, source in SOURCED:
        seeded.log_interaction(record(*row, source=source))
    return seeded


def test_savings_count_real_traffic_and_split_upgrades_from_savings(sourced):
    k = A.kpis(sourced, **W)  # the seeded 8 (no source recorded) + gateway + api
    assert k["requests"] == 10
    assert k["spend_usd"] == pytest.approx(0.085 + 0.062)
    assert k["baseline_usd"] == pytest.approx(0.132 + 0.042)
    assert k["saved_by_cache_usd"] == pytest.approx(0.020)
    assert k["saved_cheaper_usd"] == pytest.approx(0.027 + 0.010)  # the seeded rows never cost more than baseline
    assert k["upgrades_usd"] == pytest.approx(0.030)  # the opus row is an upgrade, not negative savings
    assert k["saved_usd"] == pytest.approx(0.020 + 0.037 - 0.030) == k["baseline_usd"] - k["spend_usd"]
    assert k["saved_pct"] == pytest.approx(100 * 0.027 / 0.174)
    everything = A.kpis(sourced, **W, sources=None)
    assert everything["requests"] == 13 and everything["upgrades_usd"] == pytest.approx(0.030 + 0.480)
    with_compare = A.kpis(sourced, **W, sources=("compare",))
    assert with_compare["requests"] == 1 and with_compare["upgrades_usd"] == pytest.approx(0.480)
    assert with_compare["saved_cheaper_usd"] == 0.0
    unrecorded = A.kpis(sourced, **W, sources=(None,))
    assert unrecorded["requests"] == 8 and unrecorded["saved_usd"] == pytest.approx(0.047)
    assert A.kpis(sourced, **W, sources=("api", "gateway"))["requests"] == 2


def test_breakdowns_and_time_series_follow_the_source_filter(sourced):
    tiers = A.requests_by_tier(sourced, **W).set_index("complexity")
    assert int(tiers.loc["EXPERT", "requests"]) == 2 and int(tiers.loc["MEDIUM", "requests"]) == 2
    assert tiers.loc["EXPERT", "upgrades_usd"] == pytest.approx(0.030)
    assert tiers.loc["EXPERT", "saved_usd"] == pytest.approx(-0.030)
    providers = A.requests_by_provider_model(sourced, **W)
    assert ("openai", "big") not in set(zip(providers["provider"], providers["model"]))
    opus = providers[providers["model"] == "opus"].iloc[0]
    assert opus["upgrades_usd"] == pytest.approx(0.030) and opus["saved_cheaper_usd"] == 0.0
    for bucket in ("day", "hour"):
        real = A.spend_over_time(sourced, **W, bucket=bucket)
        assert real["requests"].sum() == 10 and real["cum_spend_usd"].iloc[-1] == pytest.approx(0.147)
        assert real["upgrades_usd"].sum() == pytest.approx(0.030)
        assert real["saved_cheaper_usd"].sum() == pytest.approx(0.037)
        assert real["cum_saved_usd"].iloc[-1] == pytest.approx(0.027)
        measured = A.spend_over_time(sourced, **W, bucket=bucket, sources=("compare", "eval"))
        assert measured["requests"].sum() == 2 and measured["spend_usd"].sum() == pytest.approx(0.507)
        assert A.cache_hit_rate_over_time(sourced, **W, bucket=bucket, sources=("cli",))["requests"].sum() == 1
    days = A.spend_over_time(sourced, **W, sources=("eval",))
    assert list(days["bucket"]) == [pd.Timestamp(D2)]
    assert A.traffic_span(sourced, **W, sources=("compare",)) == (D1 + timedelta(hours=8),) * 2


def test_spend_by_source_and_what_measuring_cost(sourced):
    by_source = A.spend_by_source(sourced, **W)
    assert list(by_source["source"]) == ["compare", "cli", "api", "gateway", "eval", None]
    assert by_source.set_index("requests").loc[8, "source"] is None
    measuring = A.measuring_costs(sourced, **W)
    assert list(measuring["source"]) == ["compare", "eval", "shadow"]
    assert list(measuring["requests"]) == [1, 1, 0]
    assert measuring["spend_usd"].tolist() == pytest.approx([0.500, 0.007, 0.0])
    assert A.measuring_costs(sourced, **W, org="globex")["requests"].sum() == 0

def test_requests_without_a_provider_are_listed(store):
    store.log_interaction(record(D1, "a", None, "MEDIUM", None, None, 0.0, None, 10, False, "error"))
    df = A.requests_by_provider_model(store, **W)
    assert list(zip(df["provider"], df["model"], df["errors"])) == [("(none)", "(none)", 1)]
    assert A.error_rate_by_provider(store, **W).empty  # no provider to blame


def test_latency_by_provider(seeded):
    df = A.latency_by_provider(seeded, **W)
    assert list(df["provider"]) == ["anthropic", "groq", "local", "openai"]
    assert list(df["requests"]) == [2, 1, 1, 1]  # ok, non-cached only
    assert df["p50_ms"].tolist() == [900.0, 100.0, 50.0, 300.0]
    assert df["p95_ms"].tolist() == [1500.0, 100.0, 50.0, 300.0]
    assert df["mean_ms"].tolist() == pytest.approx([1200.0, 100.0, 50.0, 300.0])


def test_error_rate_by_provider(seeded):
    df = A.error_rate_by_provider(seeded, **W)
    assert df["provider"].iloc[0] == "openai" and df["error_rate"].iloc[0] == pytest.approx(0.5)
    assert dict(zip(df["provider"], df["requests"])) == {"openai": 2, "anthropic": 2, "groq": 1, "local": 1}
    assert df["error_rate"].iloc[1:].tolist() == [0.0, 0.0, 0.0]
    assert A.error_rate_by_provider(seeded, since=D2, until=UNTIL, org="acme")["requests"].tolist() == [1]


def test_distinct_orgs_agents(seeded):
    assert A.distinct_orgs_agents(seeded) == {"orgs": ["acme", "globex", "initech"],
                                              "agents": ["analyst", "coder", "support", "writer"]}
    assert A.distinct_orgs_agents(seeded.engine) == A.distinct_orgs_agents(seeded)  # an Engine works too


# ---------------------------------------------------------------------- provider attempts (attempt_logs)


def ok(provider: str, ms: float, model: str = "m") -> dict:
    return Attempt(provider, model, "ok", latency_ms=ms).__dict__


def fail(provider: str, ms: float, status: int | None = 503, retryable: bool = True, model: str = "m") -> dict:
    return Attempt(provider, model, "error", f"{provider}: HTTP {status}", status, ms, retryable).__dict__


def skipped(provider: str) -> dict:
    return Attempt(provider, "m", "skipped", "no API key").__dict__


def by_provider(df: pd.DataFrame, *cols: str) -> dict:
    return {p: tuple(row) for p, row in zip(df["provider"], df[list(cols)].itertuples(index=False, name=None))}


def test_failed_attempts_before_a_fallback_are_counted(store):
    # A failed twice (a retry), then B answered: the request is logged under B with status ok.
    store.log_interaction(record(D1, "acme", "support", "MEDIUM", "B", "m", 0.001, 0.01, 900, False, "ok",
                                 attempts=[skipped("C"), fail("A", 120), fail("A", 80, status=None, retryable=False),
                                           ok("B", 640)]))
    err = A.error_rate_by_provider(store, **W)
    assert by_provider(err, "attempts", "errors", "ok", "error_rate") == {
        "A": (2, 2, 0, 1.0), "B": (1, 0, 1, 0.0)}  # C was skipped, never tried
    assert list(err["provider"]) == ["A", "B"] and list(err["requests"]) == [2, 1]
    lat = A.latency_by_provider(store, **W)
    assert by_provider(lat, "requests", "p50_ms", "p95_ms", "mean_ms") == {"B": (1, 640.0, 640.0, 640.0)}
    assert A.kpis(store, **W)["errors"] == 0  # the request itself succeeded


def test_a_request_that_failed_everywhere_counts_its_attempts(store):
    store.log_interaction(record(D1, "acme", None, "MEDIUM", None, None, 0.0, None, 3000, False, "error",
                                 attempts=[fail("A", 100), fail("B", 2000, status=None), fail("B", 900)]))
    err = A.error_rate_by_provider(store, **W)
    assert by_provider(err, "attempts", "errors", "error_rate") == {"A": (1, 1, 1.0), "B": (2, 2, 1.0)}
    assert A.latency_by_provider(store, **W).empty  # no successful attempt
    assert A.requests_by_provider_model(store, **W)["provider"].tolist() == ["(none)"]  # the request view


def test_cache_hits_are_not_provider_traffic(store):
    store.log_interaction(record(D1, "acme", None, "SIMPLE", "B", "m", 0.001, 0.01, 300, False, "ok",
                                 attempts=[ok("B", 300)]))
    before = (A.error_rate_by_provider(store, **W), A.latency_by_provider(store, **W))
    for trail in ([], [ok("B", 2)]):  # a hit tried nobody, whatever its trail says
        store.log_interaction(record(D1 + timedelta(hours=1), "acme", None, "CACHED", "B", "m", 0.0, 0.01, 2, True,
                                     "ok", attempts=trail))
    pd.testing.assert_frame_equal(A.error_rate_by_provider(store, **W), before[0])
    pd.testing.assert_frame_equal(A.latency_by_provider(store, **W), before[1])
    assert A.kpis(store, **W)["cache_hits"] == 2


def test_attempt_filters_follow_the_interaction(store):
    store.log_interaction(record(D1, "acme", "coder", "MEDIUM", "B", "m", 0.001, 0.01, 500, False, "ok",
                                 attempts=[fail("A", 10), ok("B", 500)]))
    store.log_interaction(record(D2, "globex", "coder", "MEDIUM", "A", "m", 0.001, 0.01, 70, False, "ok",
                                 attempts=[ok("A", 70)]))
    store.log_interaction(record(D2, "acme", "support", "MEDIUM", "A", "m", 0.001, 0.01, 90, False, "ok",
                                 attempts=[ok("A", 90)]))
    assert by_provider(A.error_rate_by_provider(store, **W, org="acme"), "attempts", "errors") == {
        "A": (2, 1), "B": (1, 0)}
    assert by_provider(A.error_rate_by_provider(store, **W, org="globex"), "attempts", "errors") == {"A": (1, 0)}
    assert by_provider(A.error_rate_by_provider(store, **W, org="acme", agent="coder"), "attempts", "errors") == {
        "A": (1, 1), "B": (1, 0)}
    assert by_provider(A.latency_by_provider(store, **W, agent="coder"), "requests", "p50_ms") == {
        "A": (1, 70.0), "B": (1, 500.0)}
    assert by_provider(A.error_rate_by_provider(store, since=D2, until=UNTIL), "attempts", "errors") == {"A": (2, 0)}
    assert A.error_rate_by_provider(store, **W, org="nobody").empty


def _nearest_rank(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(pct / 100 * len(ordered)) - 1]


@pytest.mark.parametrize("walk", [False, True])
def test_percentiles_match_nearest_rank_on_random_data(store, monkeypatch, walk):
    if walk:
        monkeypatch.setattr(A.providers, "WALK_THRESHOLD", 0)  # SQLite: walk the latency index instead of ranking
    rnd = random.Random(7)
    rows = []
    for i in range(600):
        cached, status = rnd.random() < 0.1, "error" if rnd.random() < 0.05 else "ok"
        provider = rnd.choice(["a", "b", "c"])
        latency = round(rnd.expovariate(1 / 500), 3)
        trail = [fail(rnd.choice(["a", "b", "c"]), round(rnd.uniform(1, 50), 3))
                 for _ in range(rnd.choice([0, 0, 0, 1, 2]))]  # failures before the answer (or instead of it)
        if status == "ok":
            trail.append(ok(provider, latency))
        rows.append(record(D1 + timedelta(seconds=i * 200), rnd.choice(["o1", "o2"]), None, "SIMPLE",
                           provider if status == "ok" else None, "m", 0.001, 0.01, latency, cached, status,
                           attempts=[] if cached else trail))
    for r in rows:
        store.log_interaction(r)
    since, until = D1 + timedelta(hours=3), D2 + timedelta(hours=5)
    for org in ("o1", None):
        inside = [r for r in rows if since <= r.ts < until and org in (None, r.org)]
        tried = [a for r in inside for a in r.attempts]
        df = A.latency_by_provider(store, since=since, until=until, org=org)
        assert list(df["provider"]) == sorted({a["provider"] for a in tried if a["outcome"] == "ok"})
        for provider, p50, p95, n, mean in zip(df["provider"], df["p50_ms"], df["p95_ms"], df["requests"],
                                               df["mean_ms"]):
            lat = [a["latency_ms"] for a in tried if a["provider"] == provider and a["outcome"] == "ok"]
            assert n == len(lat) and p50 == _nearest_rank(lat, 50) and p95 == _nearest_rank(lat, 95)
            assert mean == pytest.approx(sum(lat) / len(lat))
        err = A.error_rate_by_provider(store, since=since, until=until, org=org)
        assert by_provider(err, "attempts", "errors") == {
            p: (sum(a["provider"] == p for a in tried),
                sum(a["provider"] == p and a["outcome"] == "error" for a in tried))
            for p in {a["provider"] for a in tried}}
    inside = [r for r in rows if since <= r.ts < until and r.org == "o1"]
    k = A.kpis(store, since=since, until=until, org="o1")
    assert k["p50_latency_ms"] == _nearest_rank([r.latency_ms for r in inside if r.status == "ok"], 50)
    hours = A.spend_over_time(store, since=since, until=until, org="o1", bucket="hour")
    assert hours["requests"].sum() == len(inside)
    assert hours["spend_usd"].sum() == pytest.approx(sum(0.0 if r.cached else 0.001 for r in inside))


@pytest.mark.parametrize("walk", [False, True])
def test_filtered_provider_figures_read_attempt_logs_alone(store, monkeypatch, walk):
    import sqlalchemy as sa

    if walk:
        monkeypatch.setattr(A.providers, "WALK_THRESHOLD", 0)  # SQLite: walk the org's / agent's latency index
    rnd = random.Random(11)
    rows = []
    for i in range(300):
        org, agent = rnd.choice(["o1", "o2", None]), rnd.choice(["a1", "a2", None])
        trail = [fail(rnd.choice(["x", "y"]), round(rnd.uniform(1, 50), 3)) for _ in range(rnd.choice([0, 1]))]
        provider, latency = rnd.choice(["x", "y", "z"]), round(rnd.expovariate(1 / 300), 3)
        trail.append(ok(provider, latency))
        rows.append(record(D1 + timedelta(seconds=i * 500), org, agent, "SIMPLE", provider, "m", 0.001, 0.01,
                           latency, False, "ok", attempts=trail))
    for r in rows:
        store.log_interaction(r)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    since, until = D1 + timedelta(hours=2), D2 + timedelta(hours=12)
    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        for org, agent in (("o1", None), (None, "a2"), ("o2", "a1")):
            tried = [a for r in rows if since <= r.ts < until and org in (None, r.org) and agent in (None, r.agent)
                     for a in r.attempts]
            err = A.error_rate_by_provider(store, since=since, until=until, org=org, agent=agent)
            assert by_provider(err, "attempts", "errors") == {
                p: (sum(a["provider"] == p for a in tried), sum(a["provider"] == p and a["outcome"] == "error"
                                                                 for a in tried)) for p in {a["provider"] for a in tried}}
            lat = A.latency_by_provider(store, since=since, until=until, org=org, agent=agent)
            assert list(lat.columns) == ["provider", "requests", "p50_ms", "p95_ms", "mean_ms"]
            for provider, n, p50, p95 in zip(lat["provider"], lat["requests"], lat["p50_ms"], lat["p95_ms"]):
                values = [a["latency_ms"] for a in tried if a["provider"] == provider and a["outcome"] == "ok"]
                assert (n, p50, p95) == (len(values), _nearest_rank(values, 50), _nearest_rank(values, 95))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    assert statements and not any("interaction_logs" in s for s in statements)  # no join any more


def test_savings_aggregates_read_only_the_covering_indexes_under_the_source_filter(tmp_path):
    """On SQLite every default (real-traffic) dashboard aggregate is answered from a covering index: the source
    filter must not send it back to the wide rows (prompt, response, messages), which made Savings 2-3x slower."""
    import sqlalchemy as sa

    from router_core.store import Store

    s = Store(f"sqlite:///{tmp_path / 'plan.db'}")
    statements: list[tuple[str, object]] = []
    sa.event.listen(s.engine, "before_cursor_execute",
                    lambda conn, cursor, sql, params, context, many: statements.append((sql, params)))
    window = dict(since=SINCE, until=UNTIL, summary=False)  # the raw path (a window not of whole days takes it)
    A.kpis(s, **window)
    A.requests_by_tier(s, **window)
    A.requests_by_provider_model(s, **window)
    A.spend_over_time(s, bucket="day", **window)
    queries = [(sql, params) for sql, params in statements if "interaction_logs" in sql and "source" in sql]
    assert queries, "the aggregates filter on source"
    with s.engine.connect() as conn:
        for sql, params in queries:
            plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "interaction_logs" not in plan or "COVERING INDEX" in plan, (sql, plan)
    s.close()
