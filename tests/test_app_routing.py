"""AppTest of the Routing page: edit + validate + save a policy, explain, what-if replay, routing quality."""

from __future__ import annotations

import json

import pytest

from appkit import app, app_env, assert_no_exception, open_page  # noqa: F401  (fixtures are used by name)
from router_core import Complexity, replay
from router_core.display import money

PAGE = "pages/routing.py"
TIERS = ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"]
EDITOR = "rt_editor"


def editor_rows(at):
    return at.data_editor[0].value


def row_of(at, tier: str, order: int = 1) -> int:
    df = editor_rows(at)
    match = df[(df["tier"] == tier) & (df["order"] == order)]
    assert len(match) == 1, df
    return int(match.index[0])


def edit(at, edited_rows=None, added_rows=None, deleted_rows=None):
    at.session_state[EDITOR] = {"edited_rows": edited_rows or {}, "added_rows": added_rows or [],
                                "deleted_rows": deleted_rows or []}
    at.run()
    assert_no_exception(at)
    return at


def save_as(at, name: str):
    at.text_input(key="rt_name").set_value(name)
    next(b for b in at.button if "Save and make active" in b.label).click().run()
    assert_no_exception(at)
    return at


def errors(at) -> str:
    return "\n".join(e.value for e in at.error).replace("\\", "")


def fresh_router():
    from router_core import Router

    return Router.from_env()  # same ROUTER_CONFIG and DATABASE_URL as the app (set by app_env)


# ----------------------------------------------------------------------------------------- policy
def test_the_editor_shows_the_active_policy_one_row_per_candidate(app, app_env):
    at = open_page(app, PAGE)
    df = editor_rows(at)
    assert set(df["tier"]) == {"TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT", "last resort"}
    medium = df[df["tier"] == "MEDIUM"].sort_values("order")["target"].tolist()
    assert medium[0] == "openai:gpt-6-luna"
    assert not at.error


@pytest.mark.parametrize("bad, words", [
    ("nope:model-x", ["unknown provider 'nope'", "MEDIUM candidate 1"]),
    ("openai:gpt-imaginary", ["has no model 'gpt-imaginary'", "Known models"]),
])
def test_invalid_table_is_rejected_with_a_message_and_nothing_saved(app, app_env, bad, words):
    at = open_page(app, PAGE)
    edit(at, {row_of(at, "MEDIUM"): {"target": bad}})
    message = errors(at)
    assert "cannot be saved" in message
    for w in words:
        assert w in message
    save_as(at, "broken")
    assert "Nothing was saved" in errors(at)
    assert app_env.store.list_policies() == [] and app_env.store.active_policy() is None
    assert fresh_router().policy.name == "default (router.toml)"


def test_every_problem_is_listed_and_an_emptied_tier_is_one(app, app_env):
    at = open_page(app, PAGE)
    df = editor_rows(at)
    expert_rows = [int(i) for i in df.index[df["tier"] == "EXPERT"]]
    edit(at, {row_of(at, "SIMPLE"): {"target": "ghost:x"}}, deleted_rows=expert_rows)
    message = errors(at)
    assert "unknown provider 'ghost'" in message and "EXPERT: empty" in message
    save_as(at, "two-problems")
    assert app_env.store.list_policies() == []


def test_valid_table_is_saved_activated_and_picked_up_by_a_fresh_router(app, app_env):
    at = open_page(app, PAGE)
    # MEDIUM: try groq's 8B model first, then the old first choice (each candidate keeps its own order)
    edit(at, {row_of(at, "MEDIUM", 3): {"order": 4}, row_of(at, "MEDIUM", 2): {"order": 3},
              row_of(at, "MEDIUM"): {"order": 2}},
         added_rows=[{"tier": "MEDIUM", "order": 1, "target": "groq:llama-3.1-8b-instant"}])
    assert not at.error
    save_as(at, "cheap-medium")
    assert not at.error
    assert any("cheap-medium" in s.value.replace("\\", "") and "active" in s.value for s in at.success)
    assert app_env.store.active_policy()[0] == "cheap-medium"
    saved = app_env.store.get_policy("cheap-medium")
    assert saved["MEDIUM"][:2] == ["groq:llama-3.1-8b-instant", "openai:gpt-6-luna"]

    router = fresh_router()
    assert router.policy.name == "cheap-medium"
    assert [str(t) for t in router.policy.targets(Complexity.MEDIUM)][:2] == \
        ["groq:llama-3.1-8b-instant", "openai:gpt-6-luna"]
    # and the page now shows it as the active policy, in the editor too
    assert any("cheap-medium" in m.value for m in at.markdown)
    assert editor_rows(at).query("tier == 'MEDIUM' and order == 1")["target"].item() == "groq:llama-3.1-8b-instant"


def test_a_saved_policy_can_be_activated_again(app, app_env):
    store = app_env.store
    default = fresh_router().policy.to_dict()
    cheap = dict(default, EXPERT=["openai:gpt-6.1-terra"])
    store.save_policy("cheap-expert", cheap, activate=True)
    store.save_policy("premium", default, activate=True)
    at = open_page(app, PAGE)
    assert any("premium" in m.value for m in at.markdown if "Active policy" in m.value)
    at.selectbox(key="rt_source").select("cheap-expert").run()
    assert editor_rows(at).query("tier == 'EXPERT'")["target"].tolist() == ["openai:gpt-6.1-terra"]
    at.button(key="rt_activate").click().run()
    assert_no_exception(at)
    assert store.active_policy()[0] == "cheap-expert"
    assert fresh_router().policy.name == "cheap-expert"
    assert any("cheap-expert" in m.value for m in at.markdown if "Active policy" in m.value)
    assert any("is now active" in s.value for s in at.success)


def test_saving_needs_a_name(app, app_env):
    at = open_page(app, PAGE)
    save_as(at, "   ")
    assert "give the policy a name" in errors(at)
    assert app_env.store.list_policies() == []


def test_duplicate_order_values_are_refused_with_a_clear_message(app, app_env):
    at = open_page(app, PAGE)
    edit(at, added_rows=[{"tier": "MEDIUM", "order": 1, "target": "groq:llama-3.1-8b-instant"}])
    assert "MEDIUM" in errors(at) and "all have order 1" in errors(at)
    save_as(at, "two-firsts")
    assert "Nothing was saved" in errors(at) and app_env.store.list_policies() == []


def test_saving_a_table_identical_to_the_active_policy_says_so_and_saves_nothing(app, app_env):
    at = open_page(app, PAGE)
    save_as(at, "unchanged")
    assert "identical to the active policy" in errors(at)
    assert app_env.store.list_policies() == []


# ---------------------------------------------------------------------------------------- explain
def test_explain_shows_tier_reasons_and_route_without_calling_anyone(app, app_env):
    at = open_page(app, PAGE)
    at.text_area(key="rt_explain_prompt").set_value("Hi there!")
    next(b for b in at.button if "Explain" in b.label).click().run()
    assert_no_exception(at)
    text = "\n".join(m.value for m in at.markdown)
    assert ":gray-badge[TRIVIAL]" in text and "Reasons:" in text
    route = next(d.value for d in at.dataframe if "candidate" in d.value.columns)
    # the local model (first for TRIVIAL) is missing in tests: skipped, and the simulated Groq is next
    assert route["candidate"].tolist()[0] == "groq:llama-3.1-8b-instant"
    assert "skipped" in " ".join(route["status"])
    assert app_env.count("interaction_logs") == 0  # a dry run: nothing sent, nothing logged


def test_explain_an_empty_prompt_asks_for_one(app, app_env):
    at = open_page(app, PAGE)
    next(b for b in at.button if "Explain" in b.label).click().run()
    assert any("Type a prompt first" in w.value for w in at.warning)


# ----------------------------------------------------------------------------------------- replay
def numbers(values) -> list[float]:
    """A plotly array from a figure spec (plain list, or plotly's base64 typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def compare_table(at):
    return next(d.value for d in at.dataframe if "projected" in d.value.columns)


def replay_button(at):
    return at.button(key="rp_run")


def test_replay_of_the_sample_set_gives_a_tier_distribution_and_costs(app, app_env):
    at = open_page(app, PAGE)
    replay_button(at).click().run()
    assert_no_exception(at)
    table = compare_table(at)
    n = len(replay.load_sample_prompts())
    tiers = ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"]
    assert table[tiers].sum(axis=1).tolist() == [n, n]
    assert (table[tiers] > 0).sum(axis=1).min() >= 4  # varied prompts land in (nearly) every tier
    assert all(v.startswith("$") for v in table["projected"])
    projections = at.session_state["rp_result"]["projections"]
    assert any(c.value.startswith(f"Baseline {projections[0].baseline}: "
                                  f"{money(projections[0].baseline_cost_usd)}") for c in at.caption)
    assert table["saved %"].tolist()[0] == f"{projections[0].saved_pct:.1f}%"
    charts = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    bars = charts["rp_chart_tiers"]["data"][0]
    assert bars["x"] == tiers and sum(numbers(bars["y"])) == n
    assert bars["marker"]["color"] == ["#9CA3AF", "#16A34A", "#2563EB", "#EA580C", "#DC2626"]  # tier colours
    costs = {t["name"]: t for t in charts["rp_chart_costs"]["data"]}
    assert any(name.startswith("baseline") for name in costs)
    assert any("estimated" in c.value for c in at.caption)


def test_replay_compares_an_edited_table_with_the_active_policy(app, app_env):
    at = open_page(app, PAGE)
    # everything COMPLEX goes to the premium Opus model in the edited table: it must cost more
    complex_rows = editor_rows(at).query("tier == 'COMPLEX'").index
    edit(at, {int(i): {"target": "anthropic:claude-opus-5-5"} for i in complex_rows})
    at.selectbox(key="rp_b").select("Edited table (unsaved)").run()
    replay_button(at).click().run()
    assert_no_exception(at)
    result = at.session_state["rp_result"]["projections"]
    active, edited = result
    assert active.name.startswith("A: default") and edited.name.startswith("B: edited")
    assert edited.cost_usd > active.cost_usd
    assert edited.baseline_cost_usd == pytest.approx(active.baseline_cost_usd)
    # Opus is priced above the Sonnet baseline: its extra cost is shown as "above baseline", the default's is $0
    assert active.upgrade_cost_usd == 0 < edited.upgrade_cost_usd
    assert compare_table(at)["above baseline"].tolist() == [money(0.0), money(edited.upgrade_cost_usd)]
    assert app_env.store.list_policies() == []  # replaying an edit saves nothing


@pytest.mark.parametrize("name, content, words", [
    ("prompts.txt", b"prompt\nhello\n", [".txt", ".csv", ".jsonl"]),
    ("questions.csv", b"question,answer\nhi,hello\n", ["no 'prompt' column", "'question'", "'answer'"]),
    ("set.jsonl", b'{"text": "hi"}\n', ["line 1", "no 'prompt' key", "'text'"]),
])
def test_bad_upload_gives_a_clear_error_and_changes_nothing(app, app_env, name, content, words):
    at = open_page(app, PAGE)
    replay_button(at).click().run()  # a first replay of the sample set
    before = at.session_state["rp_result"]
    at.radio(key="rp_source").set_value("Upload").run()
    at.file_uploader(key="rp_upload").set_value((name, content, "application/octet-stream")).run()
    assert_no_exception(at)
    message = errors(at)
    assert "That file was not used" in message
    for w in words:
        assert w in message
    assert at.session_state["rp_result"] is before  # the last result is still the one shown
    assert replay_button(at).disabled  # no prompt set to replay
    assert compare_table(at)[TIERS].sum(axis=1).tolist()[0] == len(replay.load_sample_prompts())


def test_good_upload_is_replayed(app, app_env):
    at = open_page(app, PAGE)
    at.radio(key="rp_source").set_value("Upload").run()
    rows = "\n".join(json.dumps({"prompt": p}) for p in ["Hi!", "What is 2+2?", "Prove Fermat's little theorem"])
    at.file_uploader(key="rp_upload").set_value(("mine.jsonl", rows.encode(), "application/jsonl")).run()
    assert not at.error
    assert any("mine.jsonl" in c.value and "3 prompts" in c.value for c in at.caption)
    replay_button(at).click().run()
    assert compare_table(at)[TIERS].sum(axis=1).tolist() == [3, 3]


# ---------------------------------------------------------------------------------------- quality
def test_routing_quality_curve_when_the_data_is_there(app, app_env, monkeypatch):
    from router_core import routing_eval

    if not routing_eval.DEFAULT_DATA.is_dir():
        pytest.skip("RouteLLM benchmark data not present on this machine")
    full = routing_eval.evaluate
    monkeypatch.setattr(routing_eval, "evaluate", lambda data_dir, **kw: full(data_dir, sample=200, **kw))
    at = open_page(app, PAGE)
    at.button(key="rq_run").click().run()
    assert_no_exception(at)
    assert not at.error
    charts = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert "Cost-quality" in charts["rq_chart"]["layout"]["title"]["text"]
    table = next(d.value for d in at.dataframe if "APGR (router)" in d.value.columns)
    assert set(table["benchmark"]) == {"MT-Bench", "GSM8K", "MMLU"}


def test_routing_quality_without_data_says_where_to_put_it(app, app_env, monkeypatch, tmp_path):
    from router_core import routing_eval

    monkeypatch.setattr(routing_eval, "DEFAULT_DATA", tmp_path / "nowhere")
    at = open_page(app, PAGE)
    assert any("No benchmark data found" in i.value and "nowhere" in i.value.replace("\\", "") for i in at.info)


def test_the_baseline_is_chosen_saved_with_the_policy_and_the_file_policy_can_come_back(app, app_env):
    at = open_page(app, PAGE)
    at.selectbox(key="rt_baseline").select("openai:gpt-6-astra").run()
    save_as(at, "astra-baseline")
    assert app_env.store.get_policy("astra-baseline")["baseline"] == "openai:gpt-6-astra"
    router = fresh_router()
    assert str(router.policy.baseline) == "openai:gpt-6-astra"
    c = router.complete("Can you explain how photosynthesis works?", use_cache=False)
    astra = router.prices.cost("openai", "gpt-6-astra", c.usage)
    assert c.baseline_cost_usd == pytest.approx(astra), "savings are measured against the policy's baseline"
    router.close()

    at.button(key="rt_default").click().run()
    assert_no_exception(at)
    assert app_env.store.active_policy() is None
    assert str(fresh_router().policy.baseline) == "anthropic:claude-sonnet-5-5"


def test_a_saved_policy_can_be_compared_renamed_and_deleted(app, app_env):
    at = open_page(app, PAGE)
    edit(at, {row_of(at, "EXPERT"): {"target": "gemini:gemini-3.8-flash"}})
    save_as(at, "cheap-expert")
    at = open_page(app, PAGE)
    at.button(key="rt_default").click().run()
    at.selectbox(key="rt_source").select("cheap-expert").run()
    diff = next(d.value for d in at.dataframe if "this one" in d.value.columns)
    assert diff["tier"].tolist() == ["EXPERT"] and "+ gemini:gemini-3.8-flash" in diff["change"].iloc[0]

    at.text_input(key="rt_rename_to").set_value("default (router.toml)")
    at.button(key="rt_rename").click().run()
    assert "Not renamed" in errors(at) and "reserved" in errors(at)
    at.text_input(key="rt_rename_to").set_value("frugal")
    at.button(key="rt_rename").click().run()
    assert_no_exception(at)
    assert app_env.store.list_policies() == ["frugal"]
    assert any("Renamed" in s.value for s in at.success)
    assert at.selectbox(key="rt_source").value == "frugal"

    at.button(key="rt_activate").click().run()
    at.selectbox(key="rt_source").select("frugal").run()
    at.button(key="rt_delete").click().run()
    assert_no_exception(at)
    assert app_env.store.list_policies() == [] and app_env.store.active_policy() is None
    assert any("Deleted policy" in s.value and "router.toml again" in s.value for s in at.success)
    assert fresh_router().policy.name == "default (router.toml)"


def test_logged_traffic_without_requests_shows_an_empty_state(app, app_env):
    at = open_page(app, PAGE)
    at.radio(key="rp_source").set_value("Logged traffic").run()
    assert_no_exception(at)
    assert any("No logged traffic matches" in i.value for i in at.info)
    assert replay_button(at).disabled


def test_logged_traffic_is_replayed_at_its_logged_cost(app, app_env):
    router = fresh_router()  # demo mode: simulated vendors, priced and logged like real ones
    try:
        for prompt in ["Hi", "Can you explain how photosynthesis works?",
                       "Prove that there are infinitely many primes, step by step"]:
            router.complete(prompt, org="acme", agent="support")
        router.complete("What are your hours?", org="globex", agent="writer")
        router.complete("Hi", org="acme", agent="support")  # a cache hit
        logged = app_env.store.list_interactions(limit=10)[0]
    finally:
        router.close()
    at = open_page(app, PAGE)
    at.radio(key="rp_source").set_value("Logged traffic").run()
    assert any("5 answered requests" in c.value for c in at.caption)
    at.selectbox(key="rp_logs_org").select("acme").run()
    assert any("4 answered requests" in c.value and "acme" in c.value for c in at.caption)
    replay_button(at).click().run()
    assert_no_exception(at)
    active = at.session_state["rp_result"]["projections"][0]
    acme_cost = float(logged.loc[logged["org"] == "acme", "cost_usd"].sum())
    assert active.prompts == 4 and active.logged_cost_usd == pytest.approx(acme_cost)
    assert active.cost_usd == pytest.approx(acme_cost, rel=0.01)
    table = compare_table(at)
    assert table["CACHED"].tolist()[0] == 1 and table[TIERS].sum(axis=1).tolist()[0] == 3
    assert any("as logged" in c.value and money(acme_cost) in c.value for c in at.caption)
    assert any("logged token counts" in c.value for c in at.caption)
