"""What-if replay of logged traffic: real routed requests over fake vendors, replayed from their logged tokens.

The router prices every answer with the real price book and logs it; the replay of those rows under the policy
that served them must come back to the logged cost (within 1 %), and another policy must not.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import run
from pg import db_url  # noqa: F401  (fixture: SQLite and, with TEST_POSTGRES_URL, PostgreSQL)
from routerkit import anthropic_ok, make_router, openai_ok

from router_core import Complexity
from router_core.__main__ import main
from router_core.replay import CACHE_LABEL
from router_core.sources import EVAL
from router_core.store import Store
from router_core.workspace import Workspace

TRIVIAL = "Hi"
HOURS = "What are your hours?"
MEDIUM = "Can you explain how photosynthesis works?"
EXPERT = "I need expert advice on optimizing database queries for a high-traffic application"
ALL_PREMIUM = {t.value: ["premium:claude-sonnet-5-5"] for t in Complexity.tiers()} | {
    "last_resort": "premium:claude-sonnet-5-5"}


def period() -> dict:
    now = datetime.now(timezone.utc)
    return {"since": now - timedelta(days=1), "until": now + timedelta(minutes=1)}


@pytest.fixture
def ws(tmp_path, cheap, premium, db_url):  # noqa: F811
    store = Store(db_url)
    router = make_router(tmp_path, cheap.url, premium.url, store=store)
    yield Workspace(router)
    router.close()
    store.close()


def serve_traffic(ws: Workspace, cheap, premium) -> None:
    """Mixed traffic: tiers with different token counts, a prompt-cache discount, a fallback after a cheap
    failure, a cache hit,
    two orgs and agents, and one evaluation request (not real traffic)."""
    cached_prefix = openai_ok(inp=2000, out=100)
    cached_prefix["usage"]["prompt_tokens_details"] = {"cached_tokens": 1500}  # billed at the cache-read price
    cheap.reply(json=cached_prefix)
    run(ws.router.acomplete(HOURS, org="globex", agent="analyst"))
    cheap.reply(json=openai_ok(inp=9, out=4))
    run(ws.router.acomplete(TRIVIAL, org="acme", agent="support"))
    cheap.reply(json=openai_ok(inp=1200, out=450))
    run(ws.router.acomplete(MEDIUM, org="acme", agent="support"))
    premium.reply(json=anthropic_ok(inp=3000, out=1800))
    run(ws.router.acomplete(EXPERT, org="globex", agent="analyst"))
    cheap.reply(401, json={"error": {"message": "bad key", "type": "invalid_request_error"}})
    premium.reply(json=anthropic_ok(inp=800, out=600))  # the MEDIUM route falls over to premium
    run(ws.router.acomplete(MEDIUM + " Keep it short.", org="acme", agent="analyst"))
    run(ws.router.acomplete(MEDIUM, org="acme", agent="support"))  # the cache answers: cost 0
    premium.reply(json=anthropic_ok(inp=5000, out=5000))
    run(ws.router.acomplete(EXPERT + " Please.", org="acme", agent="support", source=EVAL))


def logged(ws: Workspace, **filters) -> tuple[float, int]:
    rows, _ = ws.router.store.list_interactions(limit=100, **filters)
    return float(rows["cost_usd"].sum()), len(rows)


def test_serving_policy_reproduces_the_logged_cost_and_another_policy_does_not(ws, cheap, premium):
    serve_traffic(ws, cheap, premium)
    traffic = ws.logged_traffic(**period())
    real_cost, real_n = logged(ws, source=["api"])
    assert len(traffic.prompts) == real_n == 6 and traffic.matched == 6 and not traffic.capped
    assert real_cost > 0
    policy = ws.active_policy()
    served = ws.project(traffic.prompts, policy, str(policy.baseline), name=policy.name)
    assert served.logged_cost_usd == pytest.approx(real_cost)
    assert served.cost_usd == pytest.approx(real_cost, rel=0.01)
    for row in served.rows.itertuples():  # and request by request, the cheap prompt-cached one included
        assert row.cost_usd == pytest.approx(row.logged_cost_usd, rel=0.01), row.prompt
    # the fallback request is priced on premium (cheap failed for it), the repeat is a cache hit at 0
    rows = served.rows.set_index("prompt")
    assert rows.loc[MEDIUM + " Keep it short.", "target"] == "premium:claude-sonnet-5-5"
    hit = served.rows[served.rows["tier"] == "CACHED"]
    assert len(hit) == 1 and hit["target"].iloc[0] == CACHE_LABEL and hit["cost_usd"].iloc[0] == 0
    assert hit["baseline_cost_usd"].iloc[0] > 0  # what the cache saved
    assert served.tier_counts()["CACHED"] == 1
    premium_only = ws.validate_policy(ALL_PREMIUM, "all-premium")
    other = ws.project(traffic.prompts, premium_only, str(policy.baseline), name="all-premium")
    assert other.cost_usd > served.cost_usd * 1.05
    # premium is the baseline: everything but the cache hit costs what the baseline does
    assert other.cost_usd == pytest.approx(other.baseline_cost_usd - hit["baseline_cost_usd"].iloc[0])
    assert other.logged_cost_usd == pytest.approx(real_cost)  # the logged figure does not depend on the policy


def test_logged_tokens_are_used_not_the_estimate(ws, cheap, premium):
    serve_traffic(ws, cheap, premium)
    traffic = ws.logged_traffic(**period())
    by_prompt = {p.text: p for p in traffic.prompts}
    assert (by_prompt[EXPERT].input_tokens, by_prompt[EXPERT].output_tokens) == (3000, 1800)
    assert by_prompt[EXPERT].tier is Complexity.EXPERT
    assert (by_prompt[HOURS].input_tokens, by_prompt[HOURS].cached_input_tokens) == (2000, 1500)
    assert "premium:claude-sonnet-5-5" not in by_prompt[MEDIUM + " Keep it short."].failed
    assert "cheap:gpt-6-luna" in by_prompt[MEDIUM + " Keep it short."].failed


def test_filters_by_org_agent_source_and_period(ws, cheap, premium):
    serve_traffic(ws, cheap, premium)
    assert len(ws.logged_traffic(**period(), org="globex").prompts) == 2
    assert {p.text for p in ws.logged_traffic(**period(), org="acme", agent="support").prompts} == {TRIVIAL, MEDIUM}
    evals = ws.logged_traffic(**period(), sources=[EVAL])
    assert [p.input_tokens for p in evals.prompts] == [5000]
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    assert ws.logged_traffic(since=later, until=later + timedelta(days=1)).prompts == []
    assert "org acme" in ws.logged_traffic(**period(), org="acme").name


def test_the_cap_keeps_the_newest_requests_and_says_how_many_matched(ws, cheap, premium):
    serve_traffic(ws, cheap, premium)
    traffic = ws.logged_traffic(**period(), limit=2)
    assert traffic.matched == 6 and traffic.capped
    assert [p.text for p in traffic.prompts] == [MEDIUM + " Keep it short.", MEDIUM]  # newest two, oldest first


def test_cli_replays_logged_traffic_with_json(ws, cheap, premium, tmp_path, monkeypatch, capsys):
    serve_traffic(ws, cheap, premium)
    real_cost, _ = logged(ws, source=["api"])
    monkeypatch.setenv("ROUTER_CONFIG", str(tmp_path / "router.toml"))
    monkeypatch.setenv("DATABASE_URL", ws.router.store.database_url)
    monkeypatch.setenv("TEST_PREMIUM_KEY", "sk-ant-test")
    monkeypatch.setenv("ROUTER_DOTENV", "")
    assert main(["replay", "--logs", "--since", "1d", "--org", "acme", "--json"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert {"n", "projected_cost_usd", "baseline_cost_usd", "saved_pct", "upgrade_cost_usd",
            "by_tier", "logged_cost_usd"} <= set(summary)
    assert summary["n"] == 4
    acme_cost, _ = logged(ws, source=["api"], org="acme")
    assert summary["projected_cost_usd"] == pytest.approx(acme_cost, rel=0.01)
    assert "logged traffic" in out


def test_cli_says_when_nothing_is_logged(ws, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROUTER_CONFIG", str(tmp_path / "router.toml"))
    monkeypatch.setenv("DATABASE_URL", ws.router.store.database_url)
    monkeypatch.setenv("TEST_PREMIUM_KEY", "sk-ant-test")
    monkeypatch.setenv("ROUTER_DOTENV", "")
    assert main(["replay", "--logs", "--agent", "support"]) == 1
    assert "Nothing to replay: no answered request in the logged traffic" in capsys.readouterr().err


def test_cli_refuses_both_or_neither_prompt_source(capsys):
    assert main(["replay"]) == 2
    assert "--prompts FILE or --logs" in capsys.readouterr().err
    assert main(["replay", "--logs", "--prompts", "data/sample_prompts.jsonl"]) == 2
    assert "one of them" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["replay", "--logs", "--since", "soon"])
    assert "--since" in capsys.readouterr().err
