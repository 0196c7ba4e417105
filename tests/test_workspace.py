"""The Workspace: every operation a front end uses besides routing, on a real store (SQLite, and
PostgreSQL when TEST_POSTGRES_URL is set), over the demo configuration (simulated vendors, no network)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from appkit import ROOT, write_config, ws  # noqa: F401  (fixture)
from pg import db_url  # noqa: F401  (fixture)

from router_core.config import load_config
from router_core.errors import ConfigError
from router_core.policy import PolicyProblem
from router_core.router import Router
from router_core.store import Store
from router_core.types import Complexity, Usage
from router_core.workspace import AUTO_TARGET, FILE_POLICY, Workspace, WorkspaceError, rows_to_data, table_rows

CHEAPER = {"TRIVIAL": ["groq:llama-3.1-8b-instant"], "SIMPLE": ["groq:llama-3.1-8b-instant"],
           "MEDIUM": ["groq:openai/gpt-oss-120b"], "COMPLEX": ["openai:gpt-6.1-terra"],
           "EXPERT": ["anthropic:claude-opus-5-5"], "last_resort": "anthropic:claude-sonnet-5-5"}


# ------------------------------------------------------------------------------------------ policies
def test_save_activate_and_back_to_the_file_policy(ws):
    assert ws.list_policies() == []
    assert ws.active_policy().name == FILE_POLICY
    saved = ws.save_policy("cheaper", CHEAPER)
    assert ws.list_policies() == ["cheaper"]
    assert ws.active_policy().name == "cheaper"
    assert [str(t) for t in ws.active_policy().targets(Complexity.MEDIUM)][0] == "groq:openai/gpt-oss-120b"
    assert str(saved.baseline) == str(ws.router.config.baseline)  # no baseline given: the config's

    ws.save_policy("second", {**CHEAPER, "baseline": "openai:gpt-6-astra"}, activate=False)
    assert ws.active_policy().name == "cheaper"
    ws.activate_policy("second")
    assert ws.active_policy().name == "second" and str(ws.active_policy().baseline) == "openai:gpt-6-astra"
    ws.use_file_policy()
    assert ws.active_policy().name == FILE_POLICY
    assert ws.list_policies() == ["cheaper", "second"]


def test_invalid_policies_are_refused_with_structured_problems(ws):
    bad = {**CHEAPER, "MEDIUM": ["groq:openai/gpt-oss-120b", "nope:model-x"], "EXPERT": [],
           "last_resort": "openai:gpt-imaginary"}
    with pytest.raises(ConfigError) as caught:
        ws.save_policy("broken", bad)
    problems = caught.value.problems
    assert all(isinstance(p, PolicyProblem) for p in problems)
    by_place = {p.where: p for p in problems}
    assert set(by_place) == {"MEDIUM candidate 2", "EXPERT", "last resort"}
    assert "unknown provider 'nope'" in by_place["MEDIUM candidate 2"].message
    assert (by_place["MEDIUM candidate 2"].tier, by_place["MEDIUM candidate 2"].position) == ("MEDIUM", 2)
    assert "empty" in by_place["EXPERT"].message
    assert "has no model 'gpt-imaginary'" in by_place["last resort"].message
    assert "3 problems" in str(caught.value)
    assert ws.list_policies() == [], "nothing is saved"
    assert ws.policy_problems(CHEAPER) == []
    missing = {k: v for k, v in CHEAPER.items() if k != "SIMPLE"}
    assert [p.where for p in ws.policy_problems(missing)] == ["SIMPLE"]


@pytest.mark.parametrize("name, words", [("", "give the policy a name"), ("  ", "give the policy a name"),
                                         (FILE_POLICY, "reserved")])
def test_policy_names_that_are_refused(ws, name, words):
    with pytest.raises(ConfigError, match=words):
        ws.save_policy(name, CHEAPER)


def test_rename_keeps_an_active_policy_active_and_refuses_a_taken_name(ws):
    ws.save_policy("a", CHEAPER)
    ws.save_policy("b", CHEAPER, activate=False)
    with pytest.raises(ConfigError, match="a policy named 'b' already exists"):
        ws.rename_policy("a", "b")
    assert ws.list_policies() == ["a", "b"] and ws.active_policy().name == "a"
    ws.rename_policy("a", "renamed")
    assert ws.list_policies() == ["b", "renamed"]
    assert ws.active_policy().name == "renamed"
    ws.rename_policy("b", "b2")  # an inactive one stays inactive
    assert ws.active_policy().name == "renamed" and ws.list_policies() == ["b2", "renamed"]
    with pytest.raises(ConfigError, match="no saved policy named 'gone'"):
        ws.rename_policy("gone", "x")


def test_deleting_the_active_policy_goes_back_to_the_file_policy(ws):
    ws.save_policy("keep", CHEAPER, activate=False)
    ws.save_policy("doomed", CHEAPER)
    assert ws.delete_policy("keep") is False
    assert ws.active_policy().name == "doomed"
    assert ws.delete_policy("doomed") is True
    assert ws.active_policy().name == FILE_POLICY and ws.list_policies() == []
    with pytest.raises(ConfigError, match="no saved policy named 'doomed'"):
        ws.delete_policy("doomed")
    with pytest.raises(ConfigError, match="no saved policy named 'doomed'"):
        ws.load_policy("doomed")


def test_diff_lists_the_tiers_that_changed(ws):
    before = ws.file_policy()
    after = ws.validate_policy({**before.to_dict(), "MEDIUM": ["gemini:gemini-3.8-flash", "openai:gpt-6-luna"],
                                "EXPERT": ["anthropic:claude-opus-5-5"]})
    changes = {c.tier: c for c in ws.diff_policies(before, after)}
    assert set(changes) == {"MEDIUM", "EXPERT"}
    assert changes["MEDIUM"].removed == ("groq:openai/gpt-oss-120b",) and not changes["MEDIUM"].added
    assert changes["EXPERT"].removed == tuple(before.to_dict()["EXPERT"])
    assert changes["EXPERT"].added == ("anthropic:claude-opus-5-5",)
    swapped = ws.validate_policy({**before.to_dict(), "MEDIUM": list(reversed(before.to_dict()["MEDIUM"]))})
    assert [(c.tier, c.reordered) for c in ws.diff_policies(before, swapped)] == [("MEDIUM", True)]
    assert ws.diff_policies(before, before) == []


def test_editor_rows_round_trip_and_shape_problems(ws):
    data = ws.file_policy().to_dict()
    rows = table_rows(data)
    back, problems = rows_to_data(rows)
    assert problems == [] and {k: back[k] for k in back} == {k: data[k] for k in back}
    rows += [{"tier": "last resort", "order": 1, "target": "openai:gpt-6-luna"}, {"tier": None, "target": "x:y"}]
    _, problems = rows_to_data(rows)
    assert problems == [f"row {len(rows)} (x:y): choose a tier", "2 rows are marked 'last resort'; keep one"]


# ------------------------------------------------------------------------------------------- agents
def test_agents_create_edit_delete(ws):
    seeded = {a.code for a in ws.list_agents()}
    agent = ws.create_agent("reviewer", "Support", "Answer politely.", role="helpdesk")
    assert ws.get_agent("reviewer") == agent
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.create_agent("reviewer", "Again", "x")
    with pytest.raises(WorkspaceError, match="needs a code"):
        ws.create_agent(" ", "Blank", "x")
    edited = ws.edit_agent("reviewer", system_prompt="Answer briefly.")
    assert (edited.name, edited.role, edited.system_prompt) == ("Support", "helpdesk", "Answer briefly.")
    assert ws.get_agent("reviewer").system_prompt == "Answer briefly."
    ws.delete_agent("reviewer")
    assert ws.get_agent("reviewer") is None and {a.code for a in ws.list_agents()} == seeded
    with pytest.raises(WorkspaceError, match="no agent with code 'reviewer'"):
        ws.delete_agent("reviewer")
    with pytest.raises(WorkspaceError, match="no agent"):
        ws.edit_agent("reviewer", name="x")


# ---------------------------------------------------------------------------------------- estimates
def test_prompt_estimate_equals_the_price_tables_cost(ws):
    prompt = "Write a detailed analysis comparing React and Vue.js for enterprise applications"
    estimate = ws.estimate_prompt(prompt)
    verdict, plan = ws.router.explain(prompt)
    assert estimate.verdict.level is verdict.level
    assert [c.target for c in estimate.candidates if c.reason is None] == [str(t) for t in plan.candidates]
    usage = Usage(estimate.input_tokens, estimate.output_tokens)
    first = plan.candidates[0]
    assert estimate.candidates[0].cost_usd == pytest.approx(ws.router.prices.cost(first.provider, first.model, usage))
    assert estimate.candidates[0].cost_usd == pytest.approx(
        ws.estimate_cost(str(first), estimate.input_tokens, estimate.output_tokens))
    base = ws.router.policy.baseline
    assert estimate.baseline_cost_usd == pytest.approx(ws.router.prices.cost(base.provider, base.model, usage))
    assert estimate.candidates[0].unit == ws.router.prices.unit_prices(first.provider, first.model)
    assert estimate.routable


def test_replay_projects_two_policies(ws):
    prompts = ["Hi", "What is 2+2?", "Prove Fermat's little theorem and discuss its use in RSA in depth"]
    cheaper = ws.validate_policy(CHEAPER, "cheaper")
    file_run, cheaper_run = ws.replay(prompts, [ws.file_policy(), cheaper], "anthropic:claude-sonnet-5-5")
    assert file_run.prompts == cheaper_run.prompts == 3
    assert cheaper_run.name == "cheaper"
    assert file_run.baseline_cost_usd == pytest.approx(cheaper_run.baseline_cost_usd)
    name, sample = ws.sample_prompts()
    assert name.endswith(".jsonl") and len(sample) >= 10
    assert ws.read_prompt_file(b"prompt\nHello\nBye\n", "set.csv") == ["Hello", "Bye"]


# --------------------------------------------------------------------------------- logs and figures
def _traffic(ws, n: int = 5) -> list[int]:
    ids = []
    for i in range(n):
        c = ws.router.complete(f"Can you explain how photosynthesis works, part {i}?", use_cache=False, org="acme")
        ids.append(c.interaction_id)
    return ids


def test_log_paging_detail_feedback_and_csv_export(ws):
    ids = _traffic(ws, 5)
    page = ws.log_page(1, 2)
    assert (page.total, page.pages, page.first, page.last) == (5, 3, 1, 2)
    assert page.rows["id"].tolist() == ids[::-1][:2], "newest first"
    last = ws.log_page(3, 2)
    assert last.rows["id"].tolist() == [ids[0]] and (last.first, last.last) == (5, 5)
    beyond = ws.log_page(9, 2)
    assert beyond.page == 3 and beyond.rows["id"].tolist() == [ids[0]], "a page past the end shows the last one"
    assert ws.log_count() == 5 and ws.log_count(org="nobody") == 0
    assert ws.log_page(1, 2, org="nobody").total == 0

    ws.set_feedback(ids[0], -1)
    entry = ws.log_entry(ids[0])
    assert entry["feedback"] == -1 and entry["org"] == "acme" and entry["attempts"]
    assert ws.log_entry(999_999) is None
    with pytest.raises(WorkspaceError):
        ws.set_feedback(ids[0], 5)

    rows = list(csv.DictReader(io.StringIO(ws.export_log_csv(org="acme"))))
    assert [int(r["id"]) for r in rows] == ids, "oldest first, every page"
    assert "saved_usd" in rows[0]


def test_savings_report_and_traffic(ws):
    _traffic(ws, 3)
    now = datetime.now(timezone.utc)
    data = ws.savings(since=now - timedelta(days=1), until=now + timedelta(minutes=1))
    assert data.kpis["requests"] == 3
    assert ws.orgs_and_agents()["orgs"] == ["acme"]
    html = ws.savings_report(data, include_sample=True)
    assert html.startswith("<!DOCTYPE html>") and FILE_POLICY in html and "photosynthesis" in html
    assert "photosynthesis" not in ws.savings_report(data)
    latency, errors = ws.provider_traffic(since=now - timedelta(days=1), until=now + timedelta(minutes=1))
    assert errors["requests"].sum() >= 3


def test_comparisons_save_vote_list(ws):
    cid = ws.save_comparison("Hi", None, [{"target": "openai:gpt-6-luna", "text": "Hello", "cost_usd": 0.001},
                                          {"target": "groq:llama-3.1-8b-instant", "text": "Hey"}])
    ws.vote_comparison(cid, "groq:llama-3.1-8b-instant")
    past = ws.list_comparisons()
    assert past["comparison_id"].unique().tolist() == [cid]
    assert past["winner"].iloc[0] == "groq:llama-3.1-8b-instant"


# --------------------------------------------------------------------------- providers, cache, facts
def test_provider_status_health_cache_and_settings(ws):
    status = {p.name: p for p in ws.provider_status()}
    assert list(status) == list(ws.router.config.providers)
    assert status["openai"].simulated and status["openai"].configured and status["openai"].cooldown == "closed"
    assert status["openai"].needs_key and not status["openai"].key_present
    assert status["local"].model_path is not None and not status["local"].configured  # missing model file
    assert ws.why_unavailable("local") == status["local"].why_not_configured

    ws.check_health()
    history = ws.health_history(datetime.now(timezone.utc) - timedelta(minutes=5))
    assert set(history["provider"]) >= {"openai", "anthropic"}

    first = ws.router.complete("What is the capital of France?")
    again = ws.router.complete("What is the capital of France?")
    assert again.cached and ws.is_simulated(again) and ws.is_simulated(first)
    stats = ws.cache_stats()
    assert (stats.entries, stats.live, stats.hits) == (1, 1, 1)
    assert ws.clear_cache(expired_only=True) == 0
    assert ws.clear_cache(expired_only=False) == 1 and ws.cache_stats().entries == 0

    facts = ws.settings()
    assert facts.demo is True and facts.baseline == "anthropic:claude-sonnet-5-5"
    assert facts.price_snapshot and ws.price_table()
    assert "@" not in facts.database or "***" in facts.database  # a password never shows


def test_database_url_password_is_masked(tmp_path):
    from pg import POSTGRES_URL, fresh_database

    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set")
    for url in fresh_database("postgresql", tmp_path):  # its own schema: the server's default one is shared
        assert "switchboard:switchboard@" in url
        config = load_config(write_config(tmp_path), {"ROUTER_DEMO": "1", "DATABASE_URL": url})
        router = Router(config)
        try:
            shown = Workspace(router).database()
            assert "switchboard:switchboard@" not in shown and "127.0.0.1" in shown
        finally:
            router.close()
            router.store.close()


# ------------------------------------------------------------------------------- pages use only this
FRONT_END = sorted([*(ROOT / "pages").rglob("*.py"), ROOT / "app.py"])
FORBIDDEN = {
    r"\brouter\.store\b|\b_?store\.\w+\(": "the store (use the Workspace)",
    r"\.breaker\b": "the circuit breaker (Workspace.provider_status)",
    r"\.cache\.": "the response cache (Workspace.cache_stats / clear_cache)",
    r"\.prices\b": "the price table (Workspace.estimate_cost / unit_price / price_table)",
    r"\bsqlalchemy\b|\bsa\.text\(": "SQL",
    r"\brouter\.providers\b|\.why_not_configured\(|\brefresh_policy\(": "router internals (Workspace.provider_status)",
    r"Policy\.from_dict|\bPolicy\(|validate_routing|check_routing": "policy parsing (Workspace.validate_policy)",
}
TEXT_HELPERS = {ROOT / "pages" / "ui" / "text.py"}  # regexes for Markdown escaping only


def test_pages_reach_only_the_router_face_and_the_workspace():
    import re

    found = []
    for path in FRONT_END:
        source = path.read_text(encoding="utf-8")
        for pattern, what in FORBIDDEN.items():
            for match in re.finditer(pattern, source):
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line} reaches {what}: {match.group(0)!r}")
        if re.search(r"(?m)^\s*(import re\b|from re import)", source):
            if path not in TEXT_HELPERS or "Error" in source:
                found.append(f"{path.relative_to(ROOT)} uses regular expressions (error text is never parsed: "
                             "ConfigError.problems has the structure)")
    assert len(FRONT_END) > 10, "the pages were not found"
    assert not found, "\n".join(found)


# ------------------------------------------------------------------------------------------ compare
def test_compare_defaults_start_with_the_routers_pick(ws):
    defaults = ws.compare_defaults()
    assert defaults[0] == AUTO_TARGET and len(defaults) == 4
    assert str(ws.router.policy.baseline) in defaults
    resolved = ws.resolve_compare_targets("Can you explain how photosynthesis works?", defaults)
    _, plan = ws.router.explain("Can you explain how photosynthesis works?")
    assert resolved[0] == str(plan.candidates[0]) and AUTO_TARGET not in resolved
    assert len(resolved) == len(set(resolved))


def test_compare_defaults_outside_demo_mode_are_only_configured_targets(tmp_path, db_url):  # noqa: F811
    config = load_config(write_config(tmp_path), {"ROUTER_DEMO": "0", "OPENAI_API_KEY": "sk-test",
                                                  "ROUTER_DOTENV": str(tmp_path / "no.env")})
    store = Store(db_url)
    router = Router(config, store=store)
    try:
        ws = Workspace(router)
        picked = [t for t in ws.compare_defaults() if t != AUTO_TARGET]
        assert picked and all(ws.why_unavailable(t.split(":", 1)[0]) is None for t in picked), picked
    finally:
        router.close()
        store.close()


def test_reopened_comparisons_keep_the_simulated_flag(ws):
    ws.router.compare("Can you explain how photosynthesis works?", ["openai:gpt-6-luna", "groq:llama-3.1-8b-instant"])
    past = ws.list_comparisons()
    assert past["simulated"].tolist() == [True, True]


# ------------------------------------------------------------------------------------ policy editor
def test_duplicate_order_values_in_a_tier_are_refused():
    rows = [{"tier": "MEDIUM", "order": 1, "target": "openai:gpt-6-luna"},
            {"tier": "MEDIUM", "order": 1, "target": "groq:openai/gpt-oss-120b"},
            {"tier": "EXPERT", "order": 1, "target": "anthropic:claude-opus-5-5"}]
    _, problems = rows_to_data(rows)
    assert len(problems) == 1 and "MEDIUM" in problems[0] and "order 1" in problems[0], problems
    assert "rows 1 and 2" in problems[0]


def test_saving_a_policy_identical_to_the_active_one_saves_nothing(ws):
    ws.save_policy("cheaper", CHEAPER)
    with pytest.raises(ConfigError, match="identical to the active policy 'cheaper'"):
        ws.save_policy("cheaper-copy", CHEAPER)
    assert ws.list_policies() == ["cheaper"] and ws.active_policy().name == "cheaper"
    ws.use_file_policy()
    with pytest.raises(ConfigError, match="identical to the active policy"):
        ws.save_policy("same-as-file", ws.file_policy().to_dict())
    assert ws.list_policies() == ["cheaper"]
