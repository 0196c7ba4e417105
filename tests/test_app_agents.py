"""AppTest of the Agents page over a fake vendor on real HTTP that echoes the system prompt: create an agent,
edit it twice, diff versions 1 and 3 (as text), chat with version 3 in the Playground, and find that chat in
Logs filtered by version; plus refusals that save nothing, duplicate and archive."""

from __future__ import annotations

from agentkit import echo_app  # noqa: F401  (fixture)

from appkit import app, app_env, assert_no_exception, open_page, texts  # noqa: F401  (fixtures)

PAGE = "pages/agents.py"


def create(app, code: str, prompt: str, temperature: float | None = None) -> None:
    app.text_input(key="ag_new_code").set_value(code)
    app.text_input(key="ag_new_name").set_value(code.title())
    app.text_area(key="ag_new_prompt").set_value(prompt)
    if temperature is not None:
        app.number_input(key="ag_new_temp").set_value(temperature)
    app.button(key="FormSubmitter:ag_create-Create agent").click().run()
    assert_no_exception(app)


def edit(app, code: str, version: int, prompt: str, note: str, **numbers: float) -> None:
    key = f"ag_edit_{code}_{version}"
    app.text_area(key=f"{key}_prompt").set_value(prompt)
    for name, value in numbers.items():
        app.number_input(key=f"{key}_{name}").set_value(value)
    app.text_input(key=f"{key}_note").set_value(note)
    app.button(key=f"FormSubmitter:{key}-Save as v{version + 1}").click().run()
    assert_no_exception(app)


def test_create_edit_twice_diff_chat_with_v3_and_find_it_in_logs(echo_app, app_env, vendor):
    app = open_page(echo_app, PAGE)
    create(app, "triage", "Sort the ticket.\nBe brief.", temperature=0.2)
    assert "Created agent triage (v1)." in texts(app.success)
    assert app.selectbox(key="ag_pick").value == "triage"
    edit(app, "triage", 1, "Sort the ticket.\nBe brief and polite.", "politer")
    edit(app, "triage", 2, "Sort the ticket.\nBe brief and polite.\nSay thanks.", "thank the customer", max=400)
    assert "Saved triage v3." in texts(app.success)
    app.selectbox(key="ag_diff_old_triage_3").set_value(1).run()
    app.selectbox(key="ag_diff_new_triage_3").set_value(3).run()
    diff = next(c.value for c in app.code if "--- triage v1" in c.value)
    assert "-Be brief.\n" in diff and "+Be brief and polite.\n+Say thanks.\n" in diff
    assert "max_tokens: (none) -> 400" in diff
    versions = next(d.value for d in app.dataframe if "note" in d.value.columns)
    assert versions["note"].tolist() == ["thank the customer", "politer", "created"]

    app.switch_page("pages/playground.py").run()
    app.sidebar.selectbox(key="pg_agent").set_value("triage").run()
    app.chat_input[0].set_value("My parcel is late").run()
    assert_no_exception(app)
    assert any("Say thanks." in m.value for m in app.markdown)  # v3's prompt reached the vendor
    assert any("triage v3" in c for c in texts(app.caption))
    sent = [r.json for r in vendor.requests if r.method == "POST"][-1]
    assert sent["max_tokens" if "max_tokens" in sent else "max_completion_tokens"] == 400

    app.switch_page("pages/logs.py").run()
    app.selectbox(key="lg_agent").set_value("triage").run()
    app.selectbox(key="lg_agent_version").set_value(3).run()
    assert_no_exception(app)
    table = next(d.value for d in app.dataframe if "prompt" in d.value.columns)
    assert table["prompt"].tolist() == ["My parcel is late"] and table["agent"].tolist() == ["triage v3"]
    app.selectbox(key="lg_agent_version").set_value(1).run()
    assert not any("My parcel is late" in str(d.value) for d in app.dataframe)


def test_an_edit_without_a_note_or_a_change_saves_nothing(echo_app, app_env):
    app = open_page(echo_app, PAGE)
    create(app, "calc", "Compute.")
    edit(app, "calc", 1, "Compute carefully.", "")
    assert any("Add a note" in e for e in texts(app.error))
    edit(app, "calc", 1, "Compute.", "same again")
    assert any("nothing changed" in e for e in texts(app.error))
    create(app, "calc", "Again.")
    assert any("already exists" in e for e in texts(app.error))
    assert [v.version for v in app_env.store.list_agent_versions("calc")] == [1]


def test_duplicate_and_archive(echo_app, app_env):
    app = open_page(echo_app, PAGE)
    create(app, "base", "Be exact.")
    app.text_input(key="ag_dup_code_base").set_value("base-b")
    app.button(key="FormSubmitter:ag_dup_base-Duplicate").click().run()
    assert "Created base-b from base v1." in texts(app.success)
    assert app.selectbox(key="ag_pick").value == "base-b"
    app.button(key="ag_archive_base-b").click().run()
    assert_no_exception(app)
    assert app_env.store.get_agent("base-b").archived
    assert "base-b" not in app.selectbox(key="ag_pick").options
    app.switch_page("pages/playground.py").run()
    assert "base-b" not in app.sidebar.selectbox(key="pg_agent").options
