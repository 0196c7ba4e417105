"""Playground prompt tools (AppTest over a fake vendor on real HTTP that echoes the system prompt it got): the
system prompt beside the agent picker, a draft sent without an agent, `{{name}}` variables filled from the form
(an unfilled one holds the message and sends nothing), and "Save as agent" as a new agent or a new version."""

from __future__ import annotations

import json

from agentkit import echo_app  # noqa: F401  (fixture)

from appkit import app, app_env, assert_no_exception, open_page, texts  # noqa: F401  (fixtures)

PAGE = "pages/playground.py"


def posts(vendor) -> list[dict]:
    return [r.json for r in vendor.requests if r.method == "POST"]


def rows(app_env):
    df, _ = app_env.store.list_interactions(limit=100)
    return df.sort_values("id").astype(object).where(df.notna(), None).to_dict("records")


def chat(app, prompt: str) -> None:
    app.chat_input[0].set_value(prompt).run()
    assert_no_exception(app)


def var_input(app, name: str):
    return next(t for t in app.text_input if t.label == name)


def sidebar_text(app) -> str:
    """What the sidebar says, bold marks removed."""
    return " ".join(texts(app.sidebar.markdown) + texts(app.sidebar.caption) + texts(app.sidebar.success)).replace("**", "")


def playground(app, app_env, *agents: tuple[str, str]):
    for code, prompt in agents:
        app_env.store.save_agent({"code": code, "name": code.title(), "system_prompt": prompt}, note="created")
    return open_page(app, PAGE)


def test_picking_an_agent_fills_the_prompt_and_an_edit_is_a_draft_sent_without_the_agent(echo_app, app_env, vendor):
    app = playground(echo_app, app_env, ("triage", "Sort the ticket."))
    app.sidebar.selectbox(key="pg_agent").set_value("triage").run()
    assert app.sidebar.text_area(key="pg_system").value == "Sort the ticket."
    assert "v1 of Triage" in sidebar_text(app) and "Draft" not in sidebar_text(app)
    chat(app, "Parcel late")
    assert posts(vendor)[-1]["messages"][0] == {"role": "system", "content": "Sort the ticket."}

    app.sidebar.text_area(key="pg_system").set_value("Sort the ticket. Reply in French.").run()
    assert "Draft" in sidebar_text(app) and "Edited from triage v1, not saved." in sidebar_text(app)
    chat(app, "Parcel still late")
    assert posts(vendor)[-1]["messages"][0] == {"role": "system", "content": "Sort the ticket. Reply in French."}
    assert any("system was: Sort the ticket. Reply in French." in m.value for m in app.markdown)
    assert any("Draft system prompt (edited from triage v1)" in c for c in texts(app.caption))
    first, second = rows(app_env)
    assert (first["agent"], first["agent_version"]) == ("triage", 1)
    assert second["agent"] is None and second["agent_version"] is None  # no saved version produced it
    assert json.loads(second["messages_json"])[0]["content"] == "Sort the ticket. Reply in French."

    app.sidebar.button(key="pg_system_reset").click().run()
    assert app.sidebar.text_area(key="pg_system").value == "Sort the ticket." and "Draft" not in sidebar_text(app)
    app.sidebar.selectbox(key="pg_agent").set_value("").run()
    assert app.sidebar.text_area(key="pg_system").value == ""


def test_a_free_form_prompt_with_no_agent_is_sent_as_the_system_message(echo_app, app_env, vendor):
    app = playground(echo_app, app_env)
    app.sidebar.text_area(key="pg_system").set_value("You are terse.").run()
    assert "Free-form, not saved." in sidebar_text(app)
    chat(app, "Hi")
    assert posts(vendor)[-1]["messages"][0] == {"role": "system", "content": "You are terse."}
    assert rows(app_env)[0]["agent"] is None


def test_an_unfilled_variable_holds_the_message_and_sends_nothing_until_filled(echo_app, app_env, vendor):
    app = playground(echo_app, app_env)
    app.sidebar.text_area(key="pg_system").set_value("Answer as {{ persona }}.").run()
    assert [t.label for t in app.text_input if t.key.startswith("pg_var_")] == ["persona"]
    chat(app, "Tell me about {{topic}} and {{ persona }}")
    error = " ".join(texts(app.error))
    assert "Fill in the prompt variables persona, topic before sending" in error and "Your message is kept" in error
    assert posts(vendor) == [] and rows(app_env) == [] and not app.chat_message
    assert [t.label for t in app.text_input if t.key.startswith("pg_var_")] == ["persona", "topic"]

    var_input(app, "persona").set_value("a pirate")
    app.button(key="pg_send_held_btn").click().run()  # topic still empty: held again, still nothing sent
    assert_no_exception(app)
    assert "variable topic before sending" in " ".join(texts(app.error)) and posts(vendor) == []

    var_input(app, "topic").set_value("tides")
    app.button(key="pg_send_held_btn").click().run()
    assert_no_exception(app)
    sent = posts(vendor)[-1]["messages"]
    assert sent[0] == {"role": "system", "content": "Answer as a pirate."}
    assert sent[-1] == {"role": "user", "content": "Tell me about tides and a pirate"}
    assert rows(app_env)[0]["prompt"] == "Tell me about tides and a pirate"
    assert any("Filled from Tell me about {{topic}}" in c for c in texts(app.caption))
    assert not app.error

    chat(app, "More on {{topic}}")  # values are kept for the chat: sent at once
    assert posts(vendor)[-1]["messages"][-1] == {"role": "user", "content": "More on tides"}

    app.button[0].click().run()  # New chat: values start empty again
    chat(app, "Again {{topic}}")
    assert posts(vendor)[-1]["messages"][-1]["content"] == "More on tides"  # nothing new sent
    assert "variables persona, topic before sending" in " ".join(texts(app.error))


def test_an_agents_own_variables_are_filled_and_it_is_logged_with_its_version(echo_app, app_env, vendor):
    app = playground(echo_app, app_env, ("polyglot", "Reply in {{lang}}."))
    app.sidebar.selectbox(key="pg_agent").set_value("polyglot").run()
    chat(app, "Hello")
    assert posts(vendor) == [] and "variable lang" in " ".join(texts(app.error))
    var_input(app, "lang").set_value("Welsh")
    app.button(key="pg_send_held_btn").click().run()
    assert posts(vendor)[-1]["messages"][0] == {"role": "system", "content": "Reply in Welsh."}
    [row] = rows(app_env)
    assert (row["agent"], row["agent_version"]) == ("polyglot", 1)


def save(app, how: str, note: str = "", code: str = "") -> None:
    app.sidebar.radio(key="pg_save_how").set_value(how)
    app.sidebar.text_input(key="pg_save_code").set_value(code)
    app.sidebar.text_input(key="pg_save_note").set_value(note)
    app.sidebar.button(key="FormSubmitter:pg_save-Save").click().run()
    assert_no_exception(app)


def test_save_a_draft_as_a_new_version_of_the_agent_or_as_a_new_agent(echo_app, app_env, vendor):
    app = playground(echo_app, app_env, ("triage", "Sort the ticket."))
    app.sidebar.selectbox(key="pg_agent").set_value("triage").run()
    app.sidebar.text_area(key="pg_system").set_value("Sort the ticket. Be kind.").run()
    save(app, "version")  # no note: refused, nothing saved
    assert "Add a note" in " ".join(texts(app.sidebar.error))
    assert [v.version for v in app_env.store.list_agent_versions("triage")] == [1]
    save(app, "version", note="kinder")
    assert "Saved triage v2." in sidebar_text(app)
    v2 = app_env.store.get_agent_version("triage")
    assert (v2.version, v2.system_prompt, v2.note) == (2, "Sort the ticket. Be kind.", "kinder")
    assert "v2 of Triage" in sidebar_text(app) and "Draft" not in sidebar_text(app)
    chat(app, "Hi")
    assert (rows(app_env)[0]["agent"], rows(app_env)[0]["agent_version"]) == ("triage", 2)

    app.sidebar.text_area(key="pg_system").set_value("Talk like a pirate.").run()
    save(app, "new", code="triage")  # a taken code: refused with the reason, nothing saved
    assert "already exists" in " ".join(texts(app.sidebar.error))
    save(app, "new", code="pirate")
    assert app.sidebar.selectbox(key="pg_agent").value == "pirate" and "Saved pirate v1." in sidebar_text(app)
    assert app_env.store.get_agent_version("pirate").system_prompt == "Talk like a pirate."
    assert app_env.store.get_agent_version("triage").version == 2
    assert "Draft" not in sidebar_text(app)
