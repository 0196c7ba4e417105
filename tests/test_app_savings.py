"""AppTest of the Savings page: KPIs and charts from a seeded database, filters, CSV and HTML exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from appkit import app, app_env, assert_no_exception, downloads, open_page  # noqa: F401  (fixtures are used by name)
from router_core.config import load_config
from router_core.display import duration, money
from router_core.pricing import PriceBook
from router_core.store import InteractionRecord
from router_core.types import Usage

PAGE = "pages/savings.py"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BASELINE = ("anthropic", "claude-sonnet-5-5")


# ------------------------------------------------------------------------------------------- helpers
def priced(app_env):
    config = load_config(app_env.config_path, {"ROUTER_DOTENV": "", "DATABASE_URL": app_env.database_url})
    return PriceBook(config.price_overrides, config.providers)


def make(prices, *, when, org, agent, tier, provider, model, inp, out, latency, cached=False, status="ok",
         prompt="Where is my order #4411?", response="It shipped yesterday; tracking: ZX-1.") -> InteractionRecord:
    usage = Usage(inp, out)
    return InteractionRecord(
        org=org, agent=agent, session_id="s-1", prompt=prompt,
        messages_json=json.dumps([{"role": "user", "content": prompt}]),
        response=response if status == "ok" else None, complexity="CACHED" if cached else tier, score=0.5,
        reasons=["short question"], provider=provider if status == "ok" or provider else None, model=model,
        input_tokens=inp, output_tokens=out, cached_input_tokens=0, reasoning_tokens=0,
        cost_usd=0.0 if cached else prices.cost(provider, model, usage),
        baseline_cost_usd=prices.cost(*BASELINE, usage), latency_ms=latency, ttft_ms=latency / 4, cached=cached,
        status=status, error=None if status == "ok" else "groq: HTTP 503 overloaded", attempts=[], ts=when)


def seed(app_env) -> list[InteractionRecord]:
    """A realistic week for two teams (and one old row outside the default 30-day window)."""
    prices = priced(app_env)
    now = datetime.now(timezone.utc)
    h = lambda n: now - timedelta(hours=n)  # noqa: E731
    rows = [
        make(prices, when=h(150), org="acme", agent="support", tier="SIMPLE", provider="groq",
             model="llama-3.1-8b-instant", inp=85, out=60, latency=240.0),
        make(prices, when=h(120), org="acme", agent="support", tier="MEDIUM", provider="openai", model="gpt-6-luna",
             inp=410, out=350, latency=1300.0),
        make(prices, when=h(96), org="acme", agent="coder", tier="COMPLEX", provider="openai", model="gpt-6.1-terra",
             inp=1250, out=980, latency=5200.0),
        make(prices, when=h(72), org="globex", agent="analyst", tier="EXPERT", provider="anthropic",
             model="claude-opus-5-5", inp=2100, out=1600, latency=11800.0),
        make(prices, when=h(50), org="globex", agent="support", tier="SIMPLE", provider="gemini",
             model="gemini-3.1-flash-lite", inp=95, out=80, latency=420.0),
        make(prices, when=h(30), org="acme", agent="support", tier="SIMPLE", provider="groq",
             model="llama-3.1-8b-instant", inp=85, out=60, latency=3.0, cached=True),
        make(prices, when=h(20), org="globex", agent="writer", tier="MEDIUM", provider="openai", model="gpt-6-luna",
             inp=380, out=420, latency=1500.0, prompt=f"Rewrite {SCRIPT}", response=f"Done {IMG}"),
        make(prices, when=h(8), org="acme", agent="coder", tier="COMPLEX", provider="anthropic",
             model="claude-sonnet-5-5", inp=1400, out=900, latency=6100.0),
        make(prices, when=h(3), org="globex", agent="support", tier="TRIVIAL", provider="groq",
             model="llama-3.1-8b-instant", inp=20, out=12, latency=180.0),
        make(prices, when=h(1), org="acme", agent="support", tier="SIMPLE", provider="groq",
             model="llama-3.1-8b-instant", inp=70, out=0, latency=900.0, status="error"),
        make(prices, when=h(24 * 45), org="acme", agent="support", tier="MEDIUM", provider="openai",
             model="gpt-6-luna", inp=400, out=300, latency=1200.0),  # 45 days ago
    ]
    for r in rows:
        app_env.store.log_interaction(r)
    return rows


def expected(rows: list[InteractionRecord]) -> dict[str, str]:
    """The KPI tiles computed independently from the seeded records."""
    n = len(rows)
    spend = sum(r.cost_usd for r in rows if not r.cached and r.cost_usd is not None)
    baseline = sum(r.baseline_cost_usd for r in rows)
    by_cache = sum(r.baseline_cost_usd for r in rows if r.cached)
    saved = baseline - spend
    ok = sorted(r.latency_ms for r in rows if r.status == "ok")
    median = ok[(len(ok) * 50 + 99) // 100 - 1]  # nearest rank
    hits = sum(1 for r in rows if r.cached)
    routed = [r.baseline_cost_usd - r.cost_usd for r in rows if not r.cached and r.cost_usd is not None]
    cheaper, upgrades = sum(d for d in routed if d > 0), -sum(d for d in routed if d < 0)
    return {"Requests": f"{n:,}", "Actual spend": money(spend), "Baseline spend": money(baseline),
            "Saved (net)": money(saved), "Saved %": f"{100 * saved / baseline:.1f}%",
            "Cheaper routes": money(cheaper), "Upgrades": money(upgrades),
            "Saved by cache": money(by_cache), "Cache hit rate": f"{100 * hits / n:.1f}%",
            "Median latency": duration(median), "Measuring, total": "$0", "compare": "$0", "eval": "$0",
            "shadow": "$0"}


def numbers(values) -> list[float]:
    """A plotly array from a figure spec (plain list, or plotly's base64 typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def shown(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def in_window(rows, days=30):
    start = (datetime.now(timezone.utc) - timedelta(days=days - 1)).date()
    return [r for r in rows if r.ts.date() >= start]


# --------------------------------------------------------------------------------------------- tests
def test_kpis_and_charts_match_the_seeded_rows(app, app_env):
    rows = seed(app_env)
    at = open_page(app, PAGE)
    assert shown(at) == expected(in_window(rows))
    assert shown(at)["Upgrades"] != "$0"  # the seeded opus answer costs more than the baseline
    charts = at.get("plotly_chart")
    assert len(charts) == 5
    specs = [json.loads(c.proto.spec) for c in charts]
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert titles[0].startswith("Cumulative spend") and "Requests by tier" in titles and "Requests by provider" \
        in titles[2] and "Cache hit rate" in titles[3] and "Latency" in titles[4]
    tier_bar = specs[1]["data"][0]
    assert tier_bar["x"] == ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT", "CACHED"]
    assert tier_bar["marker"]["color"][-1] == "#7C3AED"  # CACHED violet, the app's tier colour
    latency = {t["name"]: numbers(t["y"]) for t in specs[4]["data"]}
    assert all(v == v and v > 0 for ys in latency.values() for v in ys)  # p50 and p95 known for each provider
    assert len(latency["median (p50)"]) == 4  # groq, gemini, openai, anthropic
    assert not at.error


def test_filters_change_the_numbers(app, app_env):
    rows = seed(app_env)
    at = open_page(app, PAGE)
    at.selectbox(key="sv_org").select("acme").run()
    assert shown(at) == expected([r for r in in_window(rows) if r.org == "acme"])
    at.selectbox(key="sv_agent").select("coder").run()
    assert shown(at) == expected([r for r in in_window(rows) if r.org == "acme" and r.agent == "coder"])
    at.selectbox(key="sv_org").select("All").run()
    at.selectbox(key="sv_agent").select("All").run()
    at.selectbox(key="sv_period").select("All time").run()
    assert shown(at)["Requests"] == str(len(rows))  # the 45-day-old row is back
    at.selectbox(key="sv_period").select("Last 7 days").run()
    assert shown(at) == expected(in_window(rows, days=7))


def test_filter_by_agent_version_and_the_exports_follow_it(app, app_env, downloads):
    rows = seed(app_env)
    prices = priced(app_env)
    now = datetime.now(timezone.utc)
    for v in (1, 2):
        app_env.store.save_agent({"code": "helpdesk", "name": "Helpdesk", "system_prompt": f"Prompt {v}."},
                                 note=f"v{v}")
    versioned = []
    for hours, version, tier, provider, model, inp, out in [
            (9, 1, "SIMPLE", "groq", "llama-3.1-8b-instant", 90, 70), (7, 1, "MEDIUM", "openai", "gpt-6-luna", 400, 300),
            (5, 2, "COMPLEX", "openai", "gpt-6.1-terra", 1200, 900), (4, 2, "SIMPLE", "gemini", "gemini-3.1-flash-lite",
                                                                    100, 90)]:
        r = make(prices, when=now - timedelta(hours=hours), org="acme", agent="helpdesk", tier=tier, provider=provider,
                 model=model, inp=inp, out=out, latency=100.0 * hours, prompt=f"question of v{version}")
        r.agent_version = version
        app_env.store.log_interaction(r)
        versioned.append(r)
    at = open_page(app, PAGE)
    assert at.selectbox(key="sv_agent_version").disabled  # no agent picked: no version to pick
    at.selectbox(key="sv_agent").select("helpdesk").run()
    assert at.selectbox(key="sv_agent_version").options == ["All", "v2", "v1"]
    assert shown(at) == expected(versioned)
    at.selectbox(key="sv_agent_version").select(2).run()
    assert_no_exception(at)
    v2 = [r for r in versioned if r.agent_version == 2]
    assert shown(at) == expected(v2)
    table = list(csv.DictReader(io.StringIO(downloads(at, "sv_csv"))))
    assert sorted(r["prompt"] for r in table) == ["question of v2"] * 2
    at.checkbox(key="sv_sample").check().run()
    html = downloads(at, "sv_report")
    assert "Agent: <strong>helpdesk v2</strong>" in html
    assert ">Requests<" in html and shown(at)["Actual spend"] in html
    assert "question of v2" in html and "question of v1" not in html
    at.selectbox(key="sv_agent_version").select(1).run()
    assert shown(at) == expected([r for r in versioned if r.agent_version == 1])
    at.selectbox(key="sv_agent").select("support").run()  # another agent: its versions, starting at All
    assert at.selectbox(key="sv_agent_version").value == "All"
    assert shown(at) == expected([r for r in in_window(rows) if r.agent == "support"])


def test_csv_export_has_exactly_the_filtered_rows(app, app_env, downloads):
    rows = seed(app_env)
    at = open_page(app, PAGE)
    at.selectbox(key="sv_org").select("globex").run()
    assert at.download_button(key="sv_csv").label.startswith("⬇️ CSV of 4 requests")
    table = list(csv.DictReader(io.StringIO(downloads(at, "sv_csv"))))
    want = [r for r in in_window(rows) if r.org == "globex"]
    assert len(table) == len(want) == 4
    assert {r["org"] for r in table} == {"globex"}
    assert sorted(r["agent"] for r in table) == sorted(r.agent for r in want)
    assert sum(float(r["cost_usd"]) for r in table) == pytest.approx(sum(r.cost_usd for r in want))


def test_html_report_has_the_kpis_and_escapes_hostile_text(app, app_env, downloads):
    seed(app_env)
    at = open_page(app, PAGE)
    at.checkbox(key="sv_sample").check().run()
    html = downloads(at, "sv_report")
    for label, value in shown(at).items():
        assert f">{label}<" in html and value.replace("&", "&amp;") in html
    assert "Routing policy in effect" in html and "default (router.toml)" in html
    assert "anthropic:claude-sonnet-5-5" in html
    assert "Rewrite &lt;script&gt;alert(1)&lt;/script&gt;" in html and "Done &lt;img src=x onerror=alert(1)&gt;" in html
    assert SCRIPT not in html and IMG not in html
    assert "<script src=" not in html and html.count("Plotly.newPlot") == 5


def test_report_leaves_prompts_out_unless_asked(app, app_env, downloads):
    seed(app_env)
    at = open_page(app, PAGE)
    html = downloads(at, "sv_report")
    assert "Recent requests" not in html and "Rewrite" not in html


def test_empty_state_says_what_to_do_next(app, app_env):
    at = open_page(app, PAGE)
    assert not at.metric and not at.get("plotly_chart")
    text = " ".join(i.value for i in at.info)
    assert "Playground" in text and "python -m router_core demo-routing" in text


def test_no_match_for_the_filters_says_how_to_widen_them(app, app_env):
    seed(app_env)
    at = open_page(app, PAGE)
    at.selectbox(key="sv_period").select("Custom range").run()
    long_ago = datetime(2020, 1, 1).date()
    at.date_input(key="sv_dates").set_value((long_ago, long_ago + timedelta(days=3))).run()
    assert_no_exception(at)
    assert not at.metric
    assert any("No requests match" in i.value for i in at.info)


def test_numbers_are_cached_briefly_and_refresh_rereads_the_log(app, app_env):
    at = open_page(app, PAGE)
    assert not at.metric  # empty log, and that answer is now cached
    rows = seed(app_env)
    at.run()
    assert not at.metric  # still the cached aggregate (at most CACHE_TTL_S old)
    at.button(key="sv_refresh").click().run()
    assert_no_exception(at)
    assert shown(at) == expected(in_window(rows))


def test_compare_and_cli_traffic_stay_out_until_the_filter_brings_them_back(app, app_env):
    rows = seed(app_env)
    prices = priced(app_env)
    now = datetime.now(timezone.utc)
    compare = make(prices, when=now - timedelta(hours=2), org="acme", agent="support", tier="MEDIUM",
                   provider="anthropic", model="claude-opus-5-5", inp=3000, out=3500, latency=9000.0)
    compare.source = "compare"
    cli = make(prices, when=now - timedelta(hours=2), org="acme", agent="support", tier="SIMPLE", provider="groq",
               model="llama-3.1-8b-instant", inp=50, out=40, latency=200.0)
    cli.source = "cli"
    for extra in (compare, cli):
        app_env.store.log_interaction(extra)
    at = open_page(app, PAGE)
    real = expected(in_window(rows))
    real.update({"Measuring, total": money(compare.cost_usd), "compare": money(compare.cost_usd)})
    assert shown(at) == real  # neither the Compare column nor the CLI call moves the savings
    # the seeded opus upgrade outweighs the cheaper routes: the headline says so, the line under it splits it
    assert any(m.value.startswith("### Spent ") and "% more than the baseline cost" in m.value for m in at.markdown)
    assert any("spent on upgrades above the baseline" in m.value for m in at.markdown)
    assert any("Counting real traffic (playground, api, gateway)." in c.value for c in at.caption)

    at.multiselect(key="sv_sources").select("compare").run()
    assert_no_exception(at)
    with_compare = expected([*in_window(rows), compare])
    with_compare.update({"Measuring, total": money(compare.cost_usd), "compare": money(compare.cost_usd)})
    assert shown(at) == with_compare
    assert shown(at)["Upgrades"] != real["Upgrades"]

    at.multiselect(key="sv_sources").set_value(["cli"]).run()
    assert shown(at)["Requests"] == "1"


def test_spend_against_each_budget(app, app_env):
    """Gateway keys with a budget show their spend against it (today / this month); keys without one and revoked
    keys do not."""
    from router_core.store.keys import KeyStore

    seed(app_env)
    keys = KeyStore(app_env.store.engine)
    _, budgeted = keys.create("growth", agent="support-bot", daily_budget_usd=2.5, monthly_budget_usd=40.0)
    keys.create("research")  # no budget
    _, gone = keys.create("old-team", daily_budget_usd=1.0)
    keys.revoke(gone.prefix)
    budgeted_key = next(k for k, _ in keys.list_keys() if k.prefix == budgeted.prefix)
    reservation = keys.admit(budgeted_key, (1.0,))
    keys.settle(reservation, 0.75)
    at = open_page(app, PAGE)
    assert_no_exception(at)
    assert any(h.value == "Budgets" for h in at.subheader)
    table = next(d.value for d in at.dataframe if "daily used" in d.value.columns)
    assert list(table["org"]) == ["growth"] and list(table["agent"]) == ["support-bot"]
    assert table["today"][0] == pytest.approx(0.75) and table["daily used"][0] == pytest.approx(0.3)
    assert table["this month"][0] == pytest.approx(0.75) and table["monthly used"][0] == pytest.approx(0.75 / 40)
