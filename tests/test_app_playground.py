"""Playground (AppTest, no browser): chat, the metadata line, logging, feedback, forced targets, errors."""

from __future__ import annotations

import json

import pytest

from appkit import app, app_env, assert_no_exception, plain, rendered_text, texts, walk  # noqa: F401

HARD = "Write a detailed analysis comparing React and Vue.js for enterprise applications"


def chat(at, prompt: str):
    at.chat_input[0].set_value(prompt).run()
    assert_no_exception(at)
    return at


def answer_line(at) -> str:
    """The metadata caption of the last assistant answer."""
    assistant = [m for m in at.chat_message if m.name == "assistant"][-1]
    return plain(assistant.caption[-1].value)


def logs(app_env):
    df, total = app_env.store.list_interactions(limit=100)
    return df, total


def test_first_run_shows_the_empty_state_and_the_demo_banner(app):
    app.run()
    assert_no_exception(app)
    assert app.title[0].value.endswith("Playground")
    assert any("Demo mode" in i.value for i in app.info)
    assert any("try one of these" in m.value for m in app.markdown)
    assert not app.chat_message


def test_a_chat_shows_tier_provider_cost_latency_and_is_logged(app, app_env):
    app.run()
    app.sidebar.text_input(key="sb_org").set_value("growth-team")
    chat(app, HARD)
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    line = answer_line(app)
    for part in ("COMPLEX", "openai", "gpt-6.1-terra", "$0.", " ms", "first token", "in /", "out", "saved",
                 "simulated"):
        assert part in line, (part, line)
    df, total = logs(app_env)
    assert total == 1
    row = df.iloc[0]
    assert (row["provider"], row["complexity"], row["org"], row["status"]) == ("openai", "COMPLEX", "growth-team", "ok")
    assert row["simulated"]
    assistant = app.chat_message[1]
    assert row["response"].split("]")[0] in assistant.markdown[0].value  # the streamed text is what was logged
    # "Why this route": reasons, candidates in order, the attempt.
    details = " ".join(m.value for m in assistant.expander[0].markdown)
    assert "Reasons:" in details and "Candidates, in order" in details and "answered" in details
    assert "Attempts:" in details


def test_answers_are_markdown_without_html(app, monkeypatch):
    """Model output never turns into HTML, LaTeX or a fetched image; code keeps its fences."""
    from pages.shared import get_router
    from router_core import Completion, Complexity, Usage

    router = get_router()
    text = "<script>alert(1)</script> costs $5 and $10 ![x](http://example.invalid/x.png)\n```py\nx = '$1'\n```"

    def fake_stream(prompt, **kwargs):
        yield text
        yield Completion(text, "openai", "gpt-6-luna", Complexity.SIMPLE, Usage(3, 4), 0.0001, 0.001, 12.0, 5.0,
                         simulated=True)

    monkeypatch.setattr(router, "stream", fake_stream)
    app.run()
    chat(app, "show me something")
    for node in walk(app._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "allow_html"):
            assert not proto.allow_html
    body = app.chat_message[1].markdown[0].value
    assert "\\$5 and \\$10" in body and "!\\[x]" in body and "x = '$1'" in body


def test_feedback_is_stored_with_the_interaction(app, app_env):
    app.run()
    chat(app, "Hi")
    df, _ = logs(app_env)
    iid = int(df.iloc[0]["id"])
    assert app_env.store.get_interaction(iid)["feedback"] == 0
    app.feedback[0].set_value(1).run()  # thumbs: 1 = up
    assert_no_exception(app)
    assert app_env.store.get_interaction(iid)["feedback"] == 1
    app.feedback[0].set_value(0).run()  # 0 = down
    assert app_env.store.get_interaction(iid)["feedback"] == -1


def test_a_forced_target_is_honoured(app, app_env):
    app.run()
    app.sidebar.selectbox(key="pg_route").set_value("anthropic:claude-opus-5-5").run()
    chat(app, "Hi")  # a TRIVIAL prompt that auto-routing would send to a cheap model
    line = answer_line(app)
    assert "anthropic" in line and "claude-opus-5-5" in line
    df, _ = logs(app_env)
    assert (df.iloc[0]["provider"], df.iloc[0]["model"]) == ("anthropic", "claude-opus-5-5")
    assert "more than baseline" in line  # Opus costs more than the Sonnet baseline


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_a_blank_prompt_shows_an_error_and_stores_nothing(app, app_env, blank):
    app.run()
    chat(app, blank)
    assert any("empty" in e.value for e in app.error)
    assert not app.chat_message
    assert app_env.count("interaction_logs") == 0


def test_history_is_sent_and_new_chat_starts_over(app, app_env):
    app.run()
    chat(app, "Hi")
    chat(app, "Can you explain how photosynthesis works?")
    assert [m.name for m in app.chat_message] == ["user", "assistant", "user", "assistant"]
    df, total = logs(app_env)
    assert total == 2
    second = json.loads(df.iloc[0]["messages_json"])
    assert [m["role"] for m in second] == ["user", "assistant", "user"] and second[0]["content"] == "Hi"
    assert df["session_id"].nunique() == 1
    next(b for b in app.button if "New chat" in b.label).click().run()
    assert not app.chat_message
    chat(app, "Hi")
    df, _ = logs(app_env)
    assert df["session_id"].nunique() == 2


def test_a_repeat_is_served_from_the_cache_and_tagged(app, app_env):
    app.run()
    chat(app, "Hi")
    next(b for b in app.button if "New chat" in b.label).click().run()
    chat(app, "Hi")
    line = answer_line(app)
    assert "CACHED" in line and "cached" in line and "simulated" in line  # a cached simulated answer stays simulated
    df, _ = logs(app_env)
    assert bool(df.iloc[0]["cached"])
    app.sidebar.toggle(key="pg_cache").set_value(False).run()
    chat(app, "Hi")  # history differs now, but also: cache off never hits
    assert "CACHED" not in answer_line(app)


def test_the_agent_system_prompt_is_applied(app, app_env):
    app.run()
    app.sidebar.selectbox(key="pg_agent").set_value("coder").run()
    chat(app, "Hi")
    df, _ = logs(app_env)
    assert df.iloc[0]["agent"] == "coder"
    sent = json.loads(df.iloc[0]["messages_json"])
    assert sent[0]["role"] == "system" and "software engineer" in sent[0]["content"]


def test_no_provider_is_an_actionable_error_not_a_traceback(app, app_env):
    app.run()
    app.sidebar.selectbox(key="pg_route").set_value("local:smollm2-135m").run()  # its model file is missing
    chat(app, "Hi")
    errors = texts(app.error)
    assert errors and "No model could answer" in errors[0] and "pull-model" in errors[0], errors
    assert "Traceback" not in rendered_text(app)


def test_a_cut_stream_keeps_the_partial_text_and_says_so(app, monkeypatch):
    from pages.shared import get_router
    from router_core.errors import ProviderError

    router = get_router()

    def cut_stream(prompt, **kwargs):
        yield "The first half of an answer"
        raise ProviderError("The answer from openai was cut off: connection reset", provider="openai",
                            kind="stream_cut")

    monkeypatch.setattr(router, "stream", cut_stream)
    app.run()
    chat(app, "Tell me a long story")
    assistant = app.chat_message[1]
    assert "The first half of an answer" in assistant.markdown[0].value
    assert "cut off" in plain(assistant.error[0].value)
    assert not app.feedback  # nothing was logged as an answer, so nothing to rate


def test_why_this_route_lists_skipped_candidates_with_the_reason(app):
    app.run()
    chat(app, "Hi")  # TRIVIAL: the local model comes first, but the test config has no model file
    details = " ".join(texts(app.chat_message[1].expander[0].markdown))
    assert "Skipped:" in details and "local:smollm2-135m" in details and "pull-model" in details
    assert "greeting" in details  # the classifier's reason


def test_the_workspace_name_survives_page_switches(app, app_env):
    app.run()
    app.sidebar.text_input(key="sb_org").set_value("growth-team").run()
    app.switch_page("pages/settings.py").run()
    app.switch_page("pages/playground.py").run()
    assert app.sidebar.text_input(key="sb_org").value == "growth-team"
    chat(app, "Hi")
    df, _ = logs(app_env)
    assert df.iloc[0]["org"] == "growth-team"
