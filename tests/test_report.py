"""The self-contained HTML savings report: KPIs, charts (plotly inline), policy, and escaped hostile text."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from router_core import report
from router_core.config import load_config
from router_core.pricing import PriceBook
from router_core.store import InteractionRecord, Store
from router_core.types import Usage

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'report.db'}")
    yield s
    s.close()


@pytest.fixture
def prices(tmp_path):
    config = load_config(None, {"ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    return PriceBook(config.price_overrides, config.providers)


def record(prices, *, hours_ago, provider, model, tier, inp, out, cached=False, status="ok", org="acme",
           agent="support", prompt="How do I reset my password?", response="Go to Settings → Security.",
           latency=640.0) -> InteractionRecord:
    usage = Usage(inp, out)
    baseline = prices.cost("anthropic", "claude-sonnet-5-5", usage)
    cost = 0.0 if cached else prices.cost(provider, model, usage)
    return InteractionRecord(
        org=org, agent=agent, session_id="sess-1", prompt=prompt,
        messages_json=json.dumps([{"role": "user", "content": prompt}]), response=response if status == "ok" else None,
        complexity="CACHED" if cached else tier, score=0.42, reasons=["a question"], provider=provider, model=model,
        input_tokens=inp, output_tokens=out, cached_input_tokens=0, reasoning_tokens=0, cost_usd=cost,
        baseline_cost_usd=baseline, latency_ms=latency, ttft_ms=latency / 3, cached=cached, status=status,
        error=None if status == "ok" else "openai: HTTP 500", attempts=[], ts=NOW - timedelta(hours=hours_ago))


def seed(store, prices) -> list[InteractionRecord]:
    rows = [
        record(prices, hours_ago=50, provider="openai", model="gpt-6-luna", tier="MEDIUM", inp=420, out=380),
        record(prices, hours_ago=30, provider="groq", model="llama-3.1-8b-instant", tier="SIMPLE", inp=60, out=90,
               latency=210.0),
        record(prices, hours_ago=20, provider="anthropic", model="claude-opus-5-5", tier="EXPERT", inp=1800,
               out=1500, latency=9200.0, prompt=f"Review {SCRIPT} please", response=f"Sure {IMG} done"),
        record(prices, hours_ago=5, provider="groq", model="llama-3.1-8b-instant", tier="SIMPLE", inp=60, out=90,
               cached=True, latency=4.0),
        record(prices, hours_ago=2, provider="openai", model="gpt-6.1-terra", tier="COMPLEX", inp=900, out=1100,
               latency=4100.0, org=f"evil{SCRIPT}", agent=IMG),
    ]
    for r in rows:
        store.log_interaction(r)
    return rows


def period():
    return NOW - timedelta(days=7), NOW + timedelta(hours=1)


def test_kpi_tiles_match_the_seeded_rows(store, prices):
    rows = seed(store, prices)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    tiles = {t.key: t for t in report.kpi_tiles(data.kpis, "anthropic:claude-sonnet-5-5")}
    spend = sum(r.cost_usd for r in rows if not r.cached)
    baseline = sum(r.baseline_cost_usd for r in rows)
    by_cache = sum(r.baseline_cost_usd for r in rows if r.cached)
    assert tiles["requests"].value == "5"
    assert tiles["spend"].value == report.money(spend)
    assert tiles["baseline"].value == report.money(baseline)
    assert tiles["saved"].value == report.money(baseline - spend)
    assert tiles["saved_pct"].value == f"{100 * (baseline - spend) / baseline:.1f}%"
    assert tiles["saved_by_cache"].value == report.money(by_cache)
    assert tiles["cache_hit_rate"].value == "20.0%"
    assert tiles["p50_latency"].value == "640 ms"  # nearest-rank median of 4, 210, 640, 4100, 9200


def test_html_report_is_self_contained_and_escapes_hostile_text(store, prices):
    seed(store, prices)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    data.sample, _ = store.list_interactions(since=since, until=until, limit=10)
    policy = {"TRIVIAL": ["local:smollm2-135m"], "SIMPLE": ["groq:llama-3.1-8b-instant"],
              "MEDIUM": ["openai:gpt-6-luna"], "COMPLEX": ["openai:gpt-6.1-terra", "anthropic:claude-sonnet-5-5"],
              "EXPERT": ["anthropic:claude-opus-5-5"], "last_resort": "anthropic:claude-sonnet-5-5"}
    html = report.build_html(data, policy_name=f"team {SCRIPT}", policy=policy, baseline="anthropic:claude-sonnet-5-5")

    # hostile prompt, answer, org, agent and policy name: escaped, never raw
    assert SCRIPT not in html and IMG not in html
    assert "Review &lt;script&gt;alert(1)&lt;/script&gt; please" in html
    assert "Sure &lt;img src=x onerror=alert(1)&gt; done" in html
    assert "team &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "evil&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=alert(1)>" not in html

    # a hostile org chosen as the filter is escaped in the header too
    only_evil = report.SavingsData.load(store, since=since, until=until, org=f"evil{SCRIPT}", agent=IMG)
    header = report.build_html(only_evil, policy_name="p", policy=policy, baseline="b")
    assert SCRIPT not in header and IMG not in header
    assert "Organisation: <strong>evil&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in header
    assert "Agent: <strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in header

    # KPIs, period, policy, charts
    for tile in report.kpi_tiles(data.kpis, "anthropic:claude-sonnet-5-5"):
        assert f"data-kpi='{tile.key}'" in html and report.esc(tile.value) in html
    assert f"{since:%Y-%m-%d}" in html
    assert "anthropic:claude-opus-5-5" in html and "openai:gpt-6.1-terra → anthropic:claude-sonnet-5-5" in html
    assert html.count("Plotly.newPlot") == 5
    # plotly.js is inlined exactly once: no <script src=...> (works offline)
    assert not re.search(r"<script[^>]+src=", html)
    assert html.count("plotly.js v") <= 2 and len(html) > 1_000_000


def test_report_for_an_empty_period_says_so_without_charts(store):
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    assert data.empty
    html = report.build_html(data, policy_name="default (router.toml)", policy={}, baseline="anthropic:x")
    assert "No requests in this period" in html and "Plotly.newPlot" not in html
    assert "<strong>0</strong>" not in html and "data-kpi='requests'" in html


def test_filters_narrow_the_numbers(store, prices):
    rows = seed(store, prices)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until, org="acme")
    assert data.kpis["requests"] == sum(1 for r in rows if r.org == "acme") == 4
    html = report.build_html(data, policy_name="p", policy={}, baseline="b")
    assert "Organisation: <strong>acme</strong>" in html


def test_figures_use_the_tier_colours(store, prices):
    seed(store, prices)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    figs = report.savings_figures(data, {"SIMPLE": "#000001"})
    bar = figs["requests_by_tier"].data[0]
    colours = dict(zip(bar.x, bar.marker.color))
    assert colours["SIMPLE"] == "#000001" and colours["EXPERT"] == report.TIER_HEX["EXPERT"]
    cum = figs["cumulative_spend"].data
    assert cum[0].y[-1] == pytest.approx(data.kpis["baseline_usd"])
    assert cum[1].y[-1] == pytest.approx(data.kpis["spend_usd"])


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def test_a_short_history_is_bucketed_by_hour_and_no_point_is_clipped(store, prices):
    for hours_ago in (9, 6, 2):  # one day of traffic inside a 30-day period
        store.log_interaction(record(prices, hours_ago=hours_ago, provider="groq", model="llama-3.1-8b-instant",
                                     tier="SIMPLE", inp=60, out=90, cached=hours_ago == 6))
    data = report.SavingsData.load(store, since=NOW - timedelta(days=30), until=NOW + timedelta(hours=1))
    assert data.bucket == "hour" and len(data.spend) == 3
    figures = report.savings_figures(data)
    for key in ("cumulative_spend", "cache_hit_rate"):
        fig = figures[key]
        lo, hi = (_utc(v) for v in fig.layout.xaxis.range)
        first, last = _utc(data.spend["bucket"].min()), _utc(data.spend["bucket"].max())
        assert lo < first and last < hi, (key, lo, hi)
        assert all(trace.cliponaxis is False for trace in fig.data), key


def test_a_single_bucket_is_drawn_in_the_middle_of_its_axis(store, prices):
    store.log_interaction(record(prices, hours_ago=1, provider="groq", model="llama-3.1-8b-instant", tier="SIMPLE",
                                 inp=60, out=90))
    data = report.SavingsData.load(store, since=NOW - timedelta(days=7), until=NOW + timedelta(hours=1))
    fig = report.savings_figures(data)["cumulative_spend"]
    lo, hi = (_utc(v) for v in fig.layout.xaxis.range)
    point = _utc(data.spend["bucket"].iloc[0])
    assert lo < point < hi and abs((point - lo) - (hi - point)) < pd.Timedelta(minutes=1)


def _measured(html: str, key: str) -> str:
    """The value text of the tile with data-kpi=`key`."""
    match = re.search(rf"data-kpi='{key}'><div class='label'>[^<]*</div><div class='value'>([^<]*)", html)
    assert match, key
    return match.group(1).strip()


def test_report_headline_counts_real_traffic_splits_upgrades_and_shows_measuring_apart(store, prices):
    rows = seed(store, prices)
    compare = record(prices, hours_ago=1, provider="anthropic", model="claude-opus-5-5", tier="MEDIUM", inp=3000,
                     out=4000)
    compare.source = "compare"
    cli = record(prices, hours_ago=1, provider="groq", model="llama-3.1-8b-instant", tier="SIMPLE", inp=50, out=50)
    cli.source = "cli"
    for extra in (compare, cli):
        store.log_interaction(extra)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    html = report.build_html(data, policy_name="default", policy={}, baseline="anthropic:claude-sonnet-5-5")

    routed = [r.baseline_cost_usd - r.cost_usd for r in rows if not r.cached]
    cheaper, upgrades = sum(d for d in routed if d > 0), -sum(d for d in routed if d < 0)
    by_cache = sum(r.baseline_cost_usd for r in rows if r.cached)
    baseline = sum(r.baseline_cost_usd for r in rows)
    net = by_cache + cheaper - upgrades
    assert upgrades > 0 and _measured(html, "upgrades") == report.money(upgrades)  # opus: above the baseline
    assert _measured(html, "saved_cheaper") == report.money(cheaper)
    assert _measured(html, "saved") == report.money(net) and _measured(html, "requests") == "5"
    headline = re.search(r"<p class='headline' data-kpi='headline'>([^<]*)</p>", html).group(1)
    assert net < 0  # the opus upgrade outweighs what the cheaper routes saved: the headline says so plainly
    assert headline.startswith(f"Spent {100 * -net / baseline:.1f} % more than the baseline cost "
                               f"({report.money(-net)} net): {report.money(cheaper + by_cache)} saved on cheaper")
    assert f"{report.money(upgrades)} spent on upgrades above the baseline" in headline
    assert "Traffic counted: <strong>real traffic (playground, api, gateway)</strong>" in html
    # the Compare column is a measuring cost, shown apart; the CLI call is in neither
    assert _measured(html, "measuring_compare") == report.money(compare.cost_usd)
    assert _measured(html, "measuring") == report.money(compare.cost_usd)
    assert html.index("data-kpi='headline'") < html.index("data-kpi='requests'") < html.index("What measuring cost")

    everything = report.SavingsData.load(store, since=since, until=until, sources=("compare", "cli", None))
    assert everything.kpis["requests"] == 7 and everything.kpis["upgrades_usd"] > data.kpis["upgrades_usd"]
    assert "compare, cli, not recorded (before sources)" in report.build_html(
        everything, policy_name="default", policy={}, baseline="anthropic:claude-sonnet-5-5")


def test_report_puts_measured_quality_beside_negative_savings_and_escapes_the_feedback_table(store, prices):
    from router_core.workspace import QualityHeadline

    rows = seed(store, prices)
    since, until = period()
    data = report.SavingsData.load(store, since=since, until=until)
    baseline = sum(r.baseline_cost_usd for r in rows)
    net = baseline - sum(r.cost_usd for r in rows if not r.cached)
    assert net < 0
    feedback = pd.DataFrame([{"tier": "SIMPLE", "target": "groq:<b>llama</b>", "simulated": False, "thumbs_up": 4,
                              "thumbs_down": 1, "votes": 2, "vote_wins": 1, "vote_ties": 1},
                             {"tier": "SIMPLE", "target": "groq:<b>llama</b>", "simulated": True, "thumbs_up": 9,
                              "thumbs_down": 0, "votes": 0, "vote_wins": 0, "vote_ties": 0}])
    data.quality = QualityHeadline(judged=40, matched_or_better=34, share=0.85, ci_low=0.7097, ci_high=0.9295,
                                   simulated_excluded=1)
    data.feedback = feedback
    html = report.build_html(data, policy_name="default", policy={}, baseline="anthropic:claude-sonnet-5-5")
    headline = re.search(r"<p class='headline' data-kpi='headline'>([^<]*)</p>", html).group(1)
    assert headline == (f"Spent {100 * -net / baseline:.1f} % more than the baseline cost; routed answers matched or "
                        "beat the baseline in 85.0 % (95 % CI 71.0–93.0 %) of 40 judged requests.")
    breakdown = re.search(r"<p class='meta' data-kpi='savings'>([^<]*)</p>", html).group(1)
    assert breakdown.startswith(f"{report.money(net)} net: ") and "spent on upgrades above the baseline" in breakdown
    assert "1 simulated verdict (demo mode) is not counted" in html
    assert html.index("data-kpi='headline'") < html.index("data-kpi='savings'") < html.index("data-kpi='requests'")
    assert "<b>llama</b>" not in html and "groq:&lt;b&gt;llama&lt;/b&gt;" in html
    table = re.search(r"data-kpi='feedback-target'>(.*?)</div>", html, re.S).group(1)
    cells = re.findall(r"<tr>(.*?)</tr>", table)
    assert [re.findall(r">([^<]*)</t[dh]>", c) for c in cells[1:]] == [
        ["groq:&lt;b&gt;llama&lt;/b&gt;", "4", "1", "2", "1", "1", "real"],
        ["groq:&lt;b&gt;llama&lt;/b&gt;", "9", "0", "0", "0", "0", "simulated"]]


def test_report_says_quality_is_not_measured_and_how(store, prices):
    from router_core.workspace import QualityHeadline

    seed(store, prices)
    data = report.SavingsData.load(store, since=period()[0], until=period()[1])
    data.quality = QualityHeadline(0, 0, None, None, None, 0)
    data.feedback = pd.DataFrame(columns=["tier", "target", "simulated", "thumbs_up", "thumbs_down", "votes",
                                          "vote_wins", "vote_ties"])
    html = report.build_html(data, policy_name="default", policy={}, baseline="anthropic:claude-sonnet-5-5")
    headline = re.search(r"<p class='headline' data-kpi='headline'>([^<]*)</p>", html).group(1)
    assert headline.endswith("more than the baseline cost; quality not measured yet.")
    assert "shadow_rate" in html and "python -m router_core eval" in html and "matched or beat" not in headline
    assert "No thumbs or Compare votes in this period." in html
