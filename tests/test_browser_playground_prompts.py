"""The Playground's draft system prompt and variables in a real browser, over a fake vendor on real HTTP that
echoes the system prompt it gets: pick an agent, edit its prompt into a draft with a `{{variable}}`, send a message
with another one (held until both are filled), and see the filled draft reach the vendor and log without agent."""

from __future__ import annotations

import pytest
from agentkit import echo_system
from routerkit import echo_config
from browserkit import ARGS, CHROMIUM, no_exception, require_chromium, serve_app, settle

from router_core.store import Store

pytestmark = pytest.mark.slow


def test_draft_with_variables_is_held_until_filled_then_sent_filled(tmp_path, vendor):
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    vendor.route("/", echo_system)
    database = f"sqlite:///{tmp_path / 'app.db'}"
    store = Store(database)
    try:
        store.save_agent({"code": "triage", "name": "Triage", "system_prompt": "Sort the ticket."}, note="created")
    finally:
        store.close()
    env = {"ROUTER_CONFIG": str(echo_config(tmp_path, vendor.url)), "DATABASE_URL": database, "ROUTER_DEMO": "0"}
    with serve_app(tmp_path, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=30_000)
        settle(page)
        page.get_by_test_id("stSelectbox").filter(has_text="Agent (system prompt)").first.click()
        page.get_by_role("option", name="Triage (triage)", exact=True).first.click()
        settle(page)
        system = page.get_by_role("textbox", name="System prompt", exact=True)
        expect(system).to_have_value("Sort the ticket.", timeout=30_000)
        system.fill("Sort the ticket in {{lang}}.")
        system.press("Control+Enter")  # a text area applies its value on Ctrl+Enter or blur
        settle(page)
        expect(page.get_by_text("Edited from triage v1, not saved.")).to_be_visible(timeout=30_000)

        box.fill("Order {{ order }} is late")
        box.press("Enter")
        settle(page)
        expect(page.get_by_text("Fill in the prompt variables lang, order before sending")).to_be_visible(
            timeout=30_000)
        assert not [r for r in vendor.requests if r.method == "POST"]
        page.get_by_role("textbox", name="lang", exact=True).fill("Welsh")
        page.get_by_role("textbox", name="order", exact=True).fill("#4411")
        page.get_by_role("textbox", name="order", exact=True).press("Enter")
        settle(page)
        page.get_by_test_id("stBaseButton-primary").filter(has_text="Send").click()
        answer = page.get_by_test_id("stChatMessage").last
        expect(answer).to_contain_text("system was: Sort the ticket in Welsh.", timeout=30_000)
        expect(answer).to_contain_text("Draft system prompt (edited from triage v1)")
        expect(page.get_by_test_id("stChatMessage").filter(has_text="Order #4411 is late").first).to_be_visible()
        settle(page)
        no_exception(page, "Playground")
        page.screenshot(path=str(tmp_path / "playground-draft.png"), full_page=True)
        browser.close()
    store = Store(database)
    try:
        rows = store.list_interactions()[0]
    finally:
        store.close()
    assert rows["prompt"].tolist() == ["Order #4411 is late"]
    assert rows["agent"].isna().all() and rows["agent_version"].isna().all()
