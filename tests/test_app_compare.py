"""Compare (AppTest): N models side by side, charts, the router's pick, the vote, past comparisons."""

from __future__ import annotations

import json

import pytest

from appkit import app, app_env, assert_no_exception, open_page, plain, texts  # noqa: F401

PROMPT = "Can you explain how photosynthesis works?"
SIX = ["groq:llama-3.1-8b-instant", "gemini:gemini-3.1-flash-lite", "openai:gpt-6-luna", "openai:gpt-6.1-terra",
       "anthropic:claude-haiku-5-5", "anthropic:claude-sonnet-5-5"]

PAGE = "pages/compare.py"


def submit(app, prompt: str = PROMPT, targets: list[str] | None = None, system: str = ""):
    app.text_area(key="cmp_prompt").set_value(prompt)
    app.text_area(key="cmp_system").set_value(system)
    if targets is not None:
        app.multiselect(key="cmp_targets").set_value(targets)
    next(b for b in app.button if "Compare" in b.label).click().run()
    assert_no_exception(app)
    return app


def result_columns(app) -> list:
    """Columns whose first line is a "provider:model" heading (the answer columns)."""
    out = []
    for col in app.columns:
        first = col.markdown[0].value if len(col.markdown) else ""
        if first.startswith("**") and ":" in plain(first.split("  \n")[0]):
            out.append(col)
    return out


def test_the_empty_page_says_what_to_do(app, app_env):
    open_page(app, PAGE)
    assert any("pick 2 to 6 models" in i.value for i in app.info)
    assert any("None yet" in c.value for c in app.caption)
    defaults = app.multiselect(key="cmp_targets").value
    assert len(defaults) == 4 and defaults[0] == "auto"  # the router's pick, two cheap ones and the baseline


def test_three_models_give_three_columns_two_charts_and_a_stored_comparison(app, app_env):
    open_page(app, PAGE)
    submit(app, targets=["groq:llama-3.1-8b-instant", "openai:gpt-6-luna", "anthropic:claude-sonnet-5-5"],
           system="Answer in one paragraph.")
    cols = result_columns(app)
    assert [plain(c.markdown[0].value).split("  \n")[0] for c in cols] == [
        "**groq:llama-3.1-8b-instant**", "**openai:gpt-6-luna**", "**anthropic:claude-sonnet-5-5**"]
    for col in cols:
        line = plain(col.caption[0].value)
        assert "$" in line and " ms" in line and "first token" in line and "in /" in line
    charts = app.get("plotly_chart")
    assert len(charts) == 2
    assert {json.loads(c.proto.spec)["data"][0]["type"] for c in charts} == {"bar"}
    header = " ".join(texts(app.markdown))
    assert "-badge[" in header and "the router judges this prompt" in header and "would send it to" in header
    assert app_env.count("comparisons") == 1 and app_env.count("comparison_results") == 3
    stored = app_env.store.list_comparisons()
    assert stored["system"].iloc[0] == "Answer in one paragraph." and stored["prompt"].iloc[0] == PROMPT
    assert len(app.dataframe) == 1  # listed under "Past comparisons"


def test_six_models_give_six_columns(app, app_env):
    open_page(app, PAGE)
    submit(app, targets=SIX)
    assert len(result_columns(app)) == 6
    assert app_env.count("comparison_results") == 6


def test_the_router_pick_is_marked(app, app_env):
    from pages.shared import get_router
    from router_core import Message

    open_page(app, PAGE)
    _, plan = get_router().explain([Message("user", PROMPT)])
    pick = str(plan.candidates[0])
    other = next(t for t in SIX if t != pick)
    submit(app, targets=[other, pick])
    cols = result_columns(app)
    assert "router's pick" not in plain(cols[0].markdown[0].value)
    assert "router's pick" in plain(cols[1].markdown[0].value)
    assert f"would send it to **{pick}**" in " ".join(texts(app.markdown))


def test_the_vote_is_stored(app, app_env):
    open_page(app, PAGE)
    submit(app, targets=["groq:llama-3.1-8b-instant", "openai:gpt-6-luna"])
    vote = next(r for r in app.radio if r.key and r.key.startswith("cmp_vote_"))
    vote.set_value("openai:gpt-6-luna").run()
    next(b for b in app.button if "Save vote" in b.label).click().run()
    assert_no_exception(app)
    assert app_env.store.list_comparisons()["winner"].iloc[0] == "openai:gpt-6-luna"
    assert any("Vote saved" in s for s in texts(app.success))
    assert any("voted best" in plain(c.markdown[0].value) for c in result_columns(app))


@pytest.mark.parametrize("targets", [["openai:gpt-6-luna"], []])
def test_fewer_than_two_models_is_an_error_and_stores_nothing(app, app_env, targets):
    open_page(app, PAGE)
    submit(app, targets=targets)
    assert any("Pick 2 to 6" in e for e in texts(app.error))
    assert app_env.count("comparisons") == 0


def test_a_blank_prompt_is_an_error_and_stores_nothing(app, app_env):
    open_page(app, PAGE)
    submit(app, prompt="   ")
    assert any("prompt is empty" in e for e in texts(app.error))
    assert app_env.count("comparisons") == 0


def test_an_unavailable_model_shows_its_error_in_its_column(app, app_env):
    open_page(app, PAGE)
    submit(app, targets=["local:smollm2-135m", "openai:gpt-6-luna"])  # the test config has no local model file
    cols = result_columns(app)
    assert len(cols) == 2
    assert "pull-model" in plain(cols[0].error[0].value)
    assert not cols[1].error
    assert len(app.get("plotly_chart")) == 2  # charts for the answers that exist


def test_a_past_comparison_can_be_reopened(app, app_env):
    open_page(app, PAGE)
    submit(app, targets=["groq:llama-3.1-8b-instant", "openai:gpt-6-luna"])
    app.switch_page("pages/compare.py").run()  # a fresh visit shows the stored one in the list
    picker = app.selectbox(key="cmp_open")
    picker.set_value(picker.options and app_env.store.list_comparisons()["comparison_id"].iloc[0]).run()
    assert_no_exception(app)
    assert any(PROMPT in t for t in texts(app.markdown))
    reopened = [m for m in texts(app.markdown) if m.startswith("**groq:") or m.startswith("**openai:")]
    assert len(reopened) >= 2 and all("simulated" in m for m in reopened), reopened


def test_the_routers_pick_is_compared_by_default(app, app_env):
    open_page(app, PAGE)
    submit(app)
    assert any("router's pick" in plain(c.markdown[0].value) for c in result_columns(app))


def test_compare_calls_are_attributed_to_the_workspace(app, app_env):
    app.run()
    app.sidebar.text_input(key="sb_org").set_value("growth-team").run()
    app.switch_page("pages/compare.py").run()
    submit(app, targets=["groq:llama-3.1-8b-instant", "openai:gpt-6-luna"])
    df, total = app_env.store.list_interactions(limit=10)
    assert total == 2 and set(df["org"]) == {"growth-team"}
