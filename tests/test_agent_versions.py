"""Agents with versions: the store (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), the workspace
(create, edit, duplicate, archive, diff) and the router (the current version's prompt and defaults are applied
and its number is logged), the router over fake vendors on real HTTP."""

from __future__ import annotations

import pytest
from appkit import ws  # noqa: F401  (fixture)
from conftest import close_after_test, run
from pg import db_url  # noqa: F401  (fixture)
from routerkit import PREMIUM_KEY, anthropic_ok, logged_rows, make_router, openai_ok

from router_core import Message
from router_core.config import load_config
from router_core.errors import InvalidRequest
from router_core.router import Router
from router_core.store import Store
from router_core.workspace import FILE_POLICY, Workspace, WorkspaceError


@pytest.fixture
def store(db_url):  # noqa: F811
    s = Store(db_url)
    yield s
    s.close()


# ------------------------------------------------------------------------------------------ store
def test_a_new_database_seeds_each_agent_as_version_one(store):
    for agent in store.list_agents():
        [v] = store.list_agent_versions(agent.code)
        assert (v.version, v.system_prompt, v.note) == (1, agent.system_prompt, "created")


def test_every_save_is_a_new_version_and_settings_carry_over(store):
    assert store.save_agent({"code": "qa", "name": "QA", "system_prompt": "One.", "temperature": 0.2,
                             "max_tokens": 300}, note="first") == 1
    assert store.save_agent({"code": "qa", "name": "QA", "system_prompt": "Two."}, note="shorter") == 2
    assert store.save_agent({"code": "qa", "name": "QA", "system_prompt": "Two.", "temperature": None},
                            note="no temperature") == 3
    v1, v2, v3 = store.list_agent_versions("qa")
    assert (v2.system_prompt, v2.temperature, v2.max_tokens, v2.note) == ("Two.", 0.2, 300, "shorter")
    assert (v3.temperature, v3.max_tokens) == (None, 300)
    assert v1.created_at is not None and v1.created_at <= v3.created_at
    assert store.get_agent_version("qa").version == 3 and store.get_agent_version("qa", 1).system_prompt == "One."
    assert store.get_agent("qa").system_prompt == "Two."  # the catalog mirrors the current version
    assert store.get_agent_version("qa", 9) is None and store.list_agent_versions("nobody") == []


def test_archived_agents_are_listed_only_when_asked_and_delete_drops_versions(store):
    store.save_agent({"code": "old", "name": "Old", "system_prompt": "x"})
    assert store.set_agent_archived("old", True) and not store.set_agent_archived("nobody", True)
    assert "old" not in {a.code for a in store.list_agents(include_archived=False)}
    assert store.get_agent("old").archived and "old" in {a.code for a in store.list_agents()}
    assert store.delete_agent("old") and store.list_agent_versions("old") == []


# ------------------------------------------------------------------------------------------ workspace
def test_create_edit_twice_and_diff_versions_one_and_three(ws):
    created = ws.create_agent("triage", "Triage", "Sort tickets.\nBe brief.", temperature=0.2)
    assert (created.version, created.temperature) == (1, 0.2)
    ws.edit_agent("triage", note="polite", system_prompt="Sort tickets.\nBe brief and polite.")
    third = ws.edit_agent("triage", note="longer answers", max_tokens=800, temperature=None)
    assert (third.version, third.max_tokens, third.temperature) == (3, 800, None)
    assert [(v.version, v.note) for v in ws.agent_versions("triage")] == [
        (1, "created"), (2, "polite"), (3, "longer answers")]
    diff = ws.diff_agent_versions("triage", 1, 3)
    assert "-Be brief.\n" in diff.prompt_diff and "+Be brief and polite.\n" in diff.prompt_diff
    assert "--- triage v1" in diff.prompt_diff and "+++ triage v3" in diff.prompt_diff
    assert diff.settings == (("temperature", 0.2, None), ("max_tokens", None, 800))
    assert "temperature: 0.2 -> (none)" in diff.text() and "max_tokens: (none) -> 800" in diff.text()
    same = ws.diff_agent_versions("triage", 2, 3)
    assert same.prompt_diff == "" and "unchanged" in same.text()
    with pytest.raises(WorkspaceError, match="no version 7"):
        ws.diff_agent_versions("triage", 1, 7)


def test_bad_edits_are_refused_and_save_nothing(ws):
    ws.create_agent("calc", "Calc", "Compute.")
    for kwargs, message in [({"temperature": 3}, "between 0 and 2"), ({"max_tokens": 0}, "whole number"),
                            ({"target": "nope:model"}, "fixed target"), ({"policy": "ghost"}, "no saved policy"),
                            ({}, "nothing changed"), ({"system_prompt": "Compute."}, "nothing changed")]:
        with pytest.raises(WorkspaceError, match=message):
            ws.edit_agent("calc", note="bad", **kwargs)
    with pytest.raises(WorkspaceError, match="not both"):
        ws.edit_agent("calc", target="groq:llama-3.1-8b-instant", policy=FILE_POLICY)
    assert [v.version for v in ws.agent_versions("calc")] == [1]
    with pytest.raises(WorkspaceError, match="no agent"):
        ws.edit_agent("ghost", note="x", system_prompt="y")


def test_duplicate_starts_a_new_history_and_archive_hides_from_the_list(ws):
    ws.create_agent("base", "Base", "Be exact.", max_tokens=120, target="groq:llama-3.1-8b-instant")
    ws.edit_agent("base", note="v2", system_prompt="Be exact and short.")
    copy = ws.duplicate_agent("base", "base-b")
    assert (copy.version, copy.system_prompt, copy.max_tokens, copy.target, copy.name) == (
        1, "Be exact and short.", 120, "groq:llama-3.1-8b-instant", "Base (copy)")
    assert ws.agent_versions("base-b")[0].note == "duplicated from base v2"
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.duplicate_agent("base", "base-b")
    ws.archive_agent("base")
    assert "base" not in {a.code for a in ws.list_agents()}
    assert ws.get_agent("base").archived and "base" in {a.code for a in ws.list_agents(include_archived=True)}
    ws.archive_agent("base", archived=False)
    assert "base" in {a.code for a in ws.list_agents()}


# ------------------------------------------------------------------------------------------ router
@pytest.fixture
def router(tmp_path, cheap, premium):
    r = make_router(tmp_path, cheap.url, premium.url)
    yield r
    r.close()


@pytest.fixture
def sampling_router(tmp_path, cheap, premium):
    """The routerkit router plus `cheap:llama-3.3-70b`, a model that takes a temperature."""
    r = make_router(tmp_path, cheap.url, premium.url)
    r.close()
    path = tmp_path / "router.toml"
    path.write_text(path.read_text().replace('"gpt-6-luna" = { aliases = ["luna"] }',
                                             '"gpt-6-luna" = { aliases = ["luna"] }\n"llama-3.3-70b" = {}'))
    config = load_config(path, {"TEST_PREMIUM_KEY": PREMIUM_KEY, "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}",
                                "ROUTER_DOTENV": ""})
    return close_after_test(Router(config))


def test_requests_use_and_log_the_current_version_with_its_defaults(sampling_router, cheap, tmp_path):
    router, llama = sampling_router, {"provider": "cheap", "model": "llama-3.3-70b", "use_cache": False}
    ws = Workspace(router)
    ws.create_agent("brief", "Brief", "Answer in one line.", temperature=0.3, max_tokens=77)
    cheap.default(json=openai_ok(model="llama-3.3-70b"))
    run(router.acomplete("What is a monad?", agent="brief", **llama))
    ws.edit_agent("brief", note="two lines", system_prompt="Answer in two lines.")
    run(router.acomplete("What is a monad?", agent="brief", temperature=1.0, max_tokens=50, **llama))
    first, second = [r.json for r in cheap.requests if r.method == "POST"]
    max_tokens = [b.get("max_tokens", b.get("max_completion_tokens")) for b in (first, second)]
    assert first["messages"][0] == {"role": "system", "content": "Answer in one line."}
    assert (first["temperature"], max_tokens[0]) == (0.3, 77)
    assert second["messages"][0]["content"] == "Answer in two lines."
    assert (second["temperature"], max_tokens[1]) == (1.0, 50)  # the caller's values win
    rows = sorted(logged_rows(tmp_path), key=lambda r: r["id"])
    assert [(r["agent"], r["agent_version"]) for r in rows] == [("brief", 1), ("brief", 2)]
    assert ws.log_page(agent="brief", agent_version=2).rows["prompt"].tolist() == ["What is a monad?"]
    assert ws.log_count(agent="brief", agent_version=[1, 2]) == 2
    run(router.acomplete("Hi there", **llama))
    assert sorted(logged_rows(tmp_path), key=lambda r: r["id"])[-1]["agent_version"] is None


def test_an_agents_prompt_variables_are_filled_per_request_and_an_unfilled_one_sends_nothing(router, cheap, tmp_path):
    ws = Workspace(router)
    ws.create_agent("tone", "Tone", "Answer as {{ persona }} in {{lang}}.")
    cheap.default(json=openai_ok())
    run(router.acomplete("Hi", agent="tone", provider="cheap", use_cache=False,
                         variables={"persona": "a pirate", "lang": "French"}))
    [sent] = [r.json for r in cheap.requests if r.method == "POST"]
    assert sent["messages"][0] == {"role": "system", "content": "Answer as a pirate in French."}
    with pytest.raises(InvalidRequest, match=r"'tone'.*\blang\b"):
        run(router.acomplete("Hi", agent="tone", provider="cheap", use_cache=False, variables={"persona": "x"}))
    assert len([r for r in cheap.requests if r.method == "POST"]) == 1
    run(router.acomplete("Hi", agent="tone", provider="cheap", use_cache=False))  # no values: sent as written
    assert [r.json for r in cheap.requests if r.method == "POST"][-1]["messages"][0]["content"] == \
        "Answer as {{ persona }} in {{lang}}."
    rows = sorted(logged_rows(tmp_path), key=lambda r: r["id"])
    assert [(r["agent"], r["agent_version"]) for r in rows] == [("tone", 1), ("tone", 1)]


def test_a_request_can_name_an_earlier_version_and_a_missing_one_sends_nothing(router, cheap, tmp_path):
    ws = Workspace(router)
    ws.create_agent("terse", "Terse", "One line.")
    ws.edit_agent("terse", system_prompt="Two lines.", note="longer")
    cheap.default(json=openai_ok())
    run(router.acomplete("Hi", agent="terse", agent_version=1, provider="cheap", use_cache=False))
    [sent] = [r.json for r in cheap.requests if r.method == "POST"]
    assert sent["messages"][0] == {"role": "system", "content": "One line."}
    assert [(r["agent"], r["agent_version"]) for r in logged_rows(tmp_path)] == [("terse", 1)]
    with pytest.raises(InvalidRequest, match=r"'terse' has no version 7; its versions are 1 to 2"):
        run(router.acomplete("Hi", agent="terse", agent_version=7, provider="cheap", use_cache=False))
    with pytest.raises(InvalidRequest, match="needs the agent"):
        run(router.acomplete("Hi", agent_version=1, provider="cheap", use_cache=False))
    assert len([r for r in cheap.requests if r.method == "POST"]) == 1


def test_a_callers_policy_beats_an_agents_fixed_target(router, cheap, premium):
    ws = Workspace(router)
    ws.create_agent("lux2", "Lux", "Be thorough.", target="premium:claude-sonnet-5-5")
    ws.save_policy("all-cheap", {t: ["cheap:gpt-6-luna"] for t in ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX",
                                                                   "EXPERT")}, activate=False)
    cheap.default(json=openai_ok())
    c = run(router.acomplete("Hi", agent="lux2", policy=ws.load_policy("all-cheap"), use_cache=False))
    assert c.provider == "cheap" and not [r for r in premium.requests if r.method == "POST"]


def test_an_agents_fixed_target_answers_unless_the_caller_names_one(router, cheap, premium, tmp_path):
    ws = Workspace(router)
    ws.create_agent("lux", "Lux", "Be thorough.", target="premium:claude-sonnet-5-5")
    premium.default(json=anthropic_ok())
    cheap.default(json=openai_ok())
    c = run(router.acomplete([Message("user", "Hi")], agent="lux", use_cache=False))
    assert c.provider == "premium" and not cheap.requests
    c = run(router.acomplete([Message("user", "Hi")], agent="lux", provider="cheap", use_cache=False))
    assert c.provider == "cheap"


def test_an_agents_policy_routes_its_requests_and_a_deleted_one_falls_back(router, cheap, premium, tmp_path):
    ws = Workspace(router)
    everything_premium = {tier: ["premium:claude-sonnet-5-5"] for tier in
                          ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT")}
    ws.save_policy("all-premium", {**everything_premium, "last_resort": "premium:claude-sonnet-5-5"},
                   activate=False)
    ws.create_agent("vip", "VIP", "Be gracious.", policy="all-premium")
    premium.default(json=anthropic_ok())
    cheap.default(json=openai_ok())
    assert run(router.acomplete("Hi", agent="vip", use_cache=False)).provider == "premium"
    assert run(router.acomplete("Hi", use_cache=False)).provider == "cheap"  # the active policy is untouched
    ws.delete_policy("all-premium")
    assert run(router.acomplete("Hi", agent="vip", use_cache=False)).provider == "cheap"  # logged, not refused
