"""A learned policy over fake vendors on real HTTP: trained on outcomes where the cheap model fails on "integral"
prompts, saved inactive through the workspace, activated, it escalates such a request to the next tier (premium)
and leaves the others on the cheap model; a corrupt artifact or another org's router leaves routing to the plain
classifier; too few outcomes cannot make a learned policy."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import run
from learnkit import scripted_outcomes
from routerkit import anthropic_ok, make_router, openai_ok

from router_core.__main__ import main

from router_core.errors import ConfigError
from router_core.policy import LearnedRule
from router_core.workspace import Workspace

HARD = "Give me the integral of the rules of chess, part 90001"
EASY = "Give me the outline of the rules of chess, part 90002"
# The learned policy's table: MEDIUM (where the scripted prompts are classified) answers cheap, COMPLEX premium.
TABLE = {"TRIVIAL": ["cheap:gpt-6-luna"], "SIMPLE": ["cheap:gpt-6-luna"], "MEDIUM": ["cheap:gpt-6-luna"],
         "COMPLEX": ["premium:claude-sonnet-5-5"], "EXPERT": ["premium:claude-sonnet-5-5"], "last_resort": "",
         "baseline": "premium:claude-sonnet-5-5"}


@pytest.fixture
def ws(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url)
    cheap.default(json=openai_ok("cheap answer"))
    premium.default(json=anthropic_ok("premium answer"))
    return Workspace(router)


def learned_policy(ws: Workspace, name: str = "learned", org: str | None = None, n: int = 300) -> LearnedRule:
    ws.router.store.add_outcomes(scripted_outcomes(n, org=org))
    info = ws.train_learned_router(["judge"], org=org)
    pick = ws.learned_threshold(info.version, target=0.95)
    saved = ws.save_learned_policy(name, info.version, pick.threshold, base=ws.validate_policy(TABLE))
    assert saved.learned is not None
    return saved.learned


def test_a_learned_policy_is_saved_inactive_then_escalates_what_the_model_flags(ws, cheap, premium):
    rule = learned_policy(ws)
    assert ws.router.store.active_policy() is None  # saved, not active: routing unchanged
    assert run(ws.router.acomplete(HARD)).provider == "cheap"
    ws.activate_policy("learned")
    hard = run(ws.router.acomplete(HARD, use_cache=False))
    assert hard.provider == "premium" and hard.complexity.value == "COMPLEX"
    assert any(f"learned router v{rule.artifact}" in r and "escalated to COMPLEX" in r for r in hard.reasons)
    easy = run(ws.router.acomplete(EASY, use_cache=False))
    assert easy.provider == "cheap" and easy.complexity.value == "MEDIUM"
    assert any("tier kept" in r for r in easy.reasons)
    verdict, plan = ws.router.explain(HARD)
    assert str(plan.candidates[0]) == "premium:claude-sonnet-5-5"
    changes = ws.diff_policies(ws.load_policy("learned"), ws.validate_policy(TABLE))
    assert [c.tier for c in changes] == ["learned"]


def test_a_corrupt_artifact_is_refused_and_routing_falls_back_to_the_plain_classifier(ws, caplog):
    rule = learned_policy(ws)
    with ws.router.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE learned_routers SET artifact_json = '{\"format\": \"pickle\"}'")
    with pytest.raises(ConfigError, match="not a Switchboard learned-router artifact"):
        ws.learned_threshold(rule.artifact)
    ws.activate_policy("learned")
    with caplog.at_level(logging.WARNING, logger="router_core"):
        c = run(ws.router.acomplete(HARD, use_cache=False))
    assert c.provider == "cheap" and c.complexity.value == "MEDIUM"
    assert "learned router refused, routing by the plain classifier" in caplog.text


def test_a_router_learned_from_one_orgs_outcomes_is_used_for_that_org_only(ws):
    learned_policy(ws, org="acme")
    ws.activate_policy("learned")
    assert run(ws.router.acomplete(HARD, org="acme", use_cache=False)).provider == "premium"
    assert run(ws.router.acomplete(HARD, org="globex", use_cache=False)).provider == "cheap"


def test_no_learned_policy_from_fewer_outcomes_than_the_minimum(ws):
    ws.router.store.add_outcomes(scripted_outcomes(120))
    info = ws.train_learned_router(["judge"])
    with pytest.raises(ConfigError, match="needs at least 200"):
        ws.save_learned_policy("too-early", info.version, 0.5)
    assert "too-early" not in ws.list_policies()


def test_a_policy_with_a_malformed_learned_rule_is_refused_where_it_is_wrong(ws):
    problems = ws.policy_problems({**TABLE, "learned": {"artifact": 1, "threshold": 0.4, "step_down": 0.6}})
    assert [(p.tier, p.message) for p in problems] == [("learned", "step_down must be below the threshold")]
    assert ws.policy_problems({**TABLE, "learned": {"artifact": 3, "threshold": 0.4}}) == []


def test_replays_of_a_learned_policy_escalate_and_show_projected_quality(ws, capsys, tmp_path, monkeypatch):
    learned_policy(ws)
    ws.activate_policy("learned")
    for i in range(3):
        run(ws.router.acomplete(f"Give me the integral of how tides work, part {90100 + i}", use_cache=False))
        run(ws.router.acomplete(f"Give me the outline of how tides work, part {90200 + i}", use_cache=False))
    ws.router.flush_unlogged()
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    traffic = ws.logged_traffic(since=now - timedelta(hours=1), until=now + timedelta(hours=1))
    assert {p.tier.value for p in traffic.prompts} == {"MEDIUM"}  # the classifier's tier, before the learned move
    learned = ws.load_policy("learned")
    served = ws.project(traffic.prompts, learned, "premium:claude-sonnet-5-5", name="learned")
    assert served.cost_usd == pytest.approx(served.logged_cost_usd, rel=0.01)
    assert served.tier_counts()["COMPLEX"] == 3 and served.tier_counts()["MEDIUM"] == 3
    q = served.summary()["projected_quality"]
    assert q["quality"] >= 0.95 and q["quality_ci"][0] <= q["quality"] <= q["quality_ci"][1] and q["n"] == 300
    assert any("Projected quality of the learned rule" in n for n in served.notes)
    plain = ws.project(traffic.prompts, ws.validate_policy(TABLE), "premium:claude-sonnet-5-5", name="plain")
    assert plain.tier_counts()["COMPLEX"] == 0 and plain.cost_usd < served.cost_usd and plain.quality is None
    estimated = ws.project(ws.classify_prompts([HARD, EASY]), learned, "premium:claude-sonnet-5-5", name="file")
    assert list(estimated.rows["target"]) == ["premium:claude-sonnet-5-5", "cheap:gpt-6-luna"]
    monkeypatch.setenv("ROUTER_CONFIG", str(tmp_path / "router.toml"))
    monkeypatch.setenv("TEST_PREMIUM_KEY", "sk-ant-test")
    monkeypatch.setenv("ROUTER_DOTENV", "")
    assert main(["replay", "--logs", "--policy", "learned", "--json"]) == 0
    out = capsys.readouterr().out
    assert "Projected quality:" in out and json.loads(out.strip().splitlines()[-1])["projected_quality"]["n"] == 300
