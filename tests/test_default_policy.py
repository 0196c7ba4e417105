"""The shipped routing table saves money and earns its answers, and the `replay` command shows it."""

from __future__ import annotations

import json
import re

import pytest
from routerkit import openai_ok

from router_core import Complexity
from router_core.__main__ import main
from router_core.config import REPO_ROOT, load_config
from router_core.pricing import PriceBook
from router_core.router import Router

SHIPPED = (REPO_ROOT / "data" / "router.toml").read_text()
SAMPLE = str(REPO_ROOT / "data" / "sample_prompts.jsonl")
UPGRADE_LINE = re.compile(r'^# (EXPERT\s*= \["anthropic:claude-opus-5-5".*)$', re.M)
EXPERT_LINE = re.compile(r"^EXPERT\s*=.*$", re.M)


def _config(tmp_path):
    return load_config(None, {"ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"})


def test_no_tier_goes_first_to_a_model_priced_above_the_baseline(tmp_path):
    config = _config(tmp_path)
    prices = PriceBook(config.price_overrides, config.providers)
    base = prices.unit_prices(config.baseline.provider, config.baseline.model)
    for tier in Complexity.tiers():
        first = config.routing.tiers[tier][0]
        unit = prices.unit_prices(first.provider, first.model)
        assert unit is not None and unit.input_per_mtok <= base.input_per_mtok, (tier, first)
        assert unit.output_per_mtok <= base.output_per_mtok, (tier, first)


def test_premium_models_stay_out_of_the_default_table(tmp_path):
    targets = {str(t) for tier in Complexity.tiers() for t in _config(tmp_path).routing.tiers[tier]}
    assert "openai:gpt-6-astra" not in targets and "anthropic:claude-opus-5-5" not in targets


def test_the_local_model_is_first_only_for_trivial_and_after_every_cloud_model_for_simple(tmp_path):
    tiers = _config(tmp_path).routing.tiers
    firsts = {tier: str(tiers[tier][0]) for tier in Complexity.tiers()}
    assert [t for t, first in firsts.items() if first.startswith("local:")] == [Complexity.TRIVIAL]
    simple = [t.provider for t in tiers[Complexity.SIMPLE]]
    cloud = {"groq", "openai", "gemini", "anthropic"}
    assert max(i for i, p in enumerate(simple) if p in cloud) < simple.index("local")  # an offline fallback only


def test_seventeen_times_twenty_three_is_answered_by_a_cheap_cloud_model(monkeypatch, vendor):
    """Through the real router and the shipped config, with Groq served by a fake vendor over HTTP."""
    monkeypatch.setenv("ROUTER_DEMO", "0")
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test-0123456789")
    monkeypatch.setenv("GROQ_BASE_URL", vendor.url)
    vendor.default(json=openai_ok("17 * 23 = 391", model="llama-3.1-8b-instant"))
    router = Router.from_env()
    try:
        c = router.complete("What is 17 * 23?", use_cache=False)
    finally:
        router.close()
    assert c.complexity is Complexity.SIMPLE
    assert (c.provider, c.model) == ("groq", "llama-3.1-8b-instant") and c.text == "17 * 23 = 391"
    assert vendor.requests[0].json["messages"][-1]["content"] == "What is 17 * 23?"


def test_in_demo_mode_the_route_of_arithmetic_starts_in_the_cloud(monkeypatch, capsys):
    monkeypatch.setenv("ROUTER_DEMO", "1")
    assert main(["route", "What is 17 * 23?"]) == 0
    out = capsys.readouterr().out
    assert "tier: SIMPLE" in out and "  1. groq:llama-3.1-8b-instant" in out


# ---------------------------------------------------------------------------------------------- replay


def _replay_json(argv, capsys) -> dict:
    assert main(["replay", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_shipped_table_replays_the_sample_set_with_positive_savings(monkeypatch, capsys):
    monkeypatch.setenv("ROUTER_DEMO", "1")
    figures = _replay_json(["--prompts", SAMPLE], capsys)
    assert figures["n"] == 40 and figures["saved_pct"] > 0 and figures["upgrade_cost_usd"] == 0
    assert figures["projected_cost_usd"] < figures["baseline_cost_usd"]
    assert set(figures["by_tier"]) == {t.value for t in Complexity.tiers()}
    assert sum(t["prompts"] for t in figures["by_tier"].values()) == 40


def test_the_opt_in_upgrade_replays_with_its_cost_above_the_baseline(monkeypatch, capsys, tmp_path):
    upgrade = UPGRADE_LINE.search(SHIPPED)
    assert upgrade, "router.toml documents the opt-in EXPERT upgrade as a commented line"
    path = tmp_path / "router.toml"
    path.write_text(EXPERT_LINE.sub(upgrade.group(1), SHIPPED, count=1))
    monkeypatch.setenv("ROUTER_CONFIG", str(path))
    monkeypatch.setenv("ROUTER_DEMO", "1")
    figures = _replay_json(["--prompts", SAMPLE], capsys)
    expert = figures["by_tier"]["EXPERT"]
    assert expert["target"] == "anthropic:claude-opus-5-5"
    assert expert["cost_usd"] > expert["baseline_cost_usd"]
    assert figures["upgrade_cost_usd"] == pytest.approx(expert["cost_usd"] - expert["baseline_cost_usd"])
    assert main(["replay", "--prompts", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert "above baseline" in out and "EXPERT" in out and "anthropic:claude-opus-5-5" in out


def test_replay_against_another_baseline(monkeypatch, capsys):
    monkeypatch.setenv("ROUTER_DEMO", "1")
    cheap = _replay_json(["--prompts", SAMPLE, "--baseline", "groq:llama-3.1-8b-instant"], capsys)
    default = _replay_json(["--prompts", SAMPLE], capsys)
    assert cheap["baseline"] == "groq:llama-3.1-8b-instant"
    assert cheap["baseline_cost_usd"] < default["baseline_cost_usd"] and cheap["upgrade_cost_usd"] > 0


def test_replay_refuses_bad_input_clearly(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ROUTER_DEMO", "1")
    assert main(["replay", "--prompts", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["replay", "--prompts", SAMPLE, "--policy", "no-such-policy"]) == 2
    assert "no saved policy named 'no-such-policy'" in capsys.readouterr().err
    bad = tmp_path / "prompts.csv"
    bad.write_text("question\nhi\n")
    assert main(["replay", "--prompts", str(bad)]) == 2
    assert "no 'prompt' column" in capsys.readouterr().err
