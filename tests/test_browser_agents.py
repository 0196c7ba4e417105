"""Agents in a real browser over a fake vendor on real HTTP (it echoes the system prompt it gets): create an
agent, edit it twice, diff versions 1 and 3, chat with version 3 in the Playground, and find that chat in Logs
filtered by the version."""

from __future__ import annotations

from agentkit import echo_system
from routerkit import echo_config
from browserkit import ARGS, CHROMIUM, no_exception, require_chromium, serve_app, settle

from router_core.store import Store


def pick(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def form_with(page, button: str):
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


def test_create_edit_twice_diff_chat_with_v3_and_find_it_in_logs(tmp_path, vendor):
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    vendor.route("/", echo_system)
    database = f"sqlite:///{tmp_path / 'app.db'}"
    env = {"ROUTER_CONFIG": str(echo_config(tmp_path, vendor.url)), "DATABASE_URL": database, "ROUTER_DEMO": "0"}
    with serve_app(tmp_path, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/agents")
        expect(page.get_by_role("heading", level=1).first).to_contain_text("Agents", timeout=30_000)
        settle(page)
        page.get_by_text("Create an agent").click()
        create = form_with(page, "Create agent")
        create.get_by_role("textbox", name="Code", exact=True).fill("triage")
        create.get_by_role("textbox", name="Name", exact=True).fill("Triage")
        create.get_by_role("textbox", name="System prompt", exact=True).fill("Sort the ticket.\nBe brief.")
        create.get_by_role("button", name="Create agent").click()
        expect(page.get_by_text("Created agent triage (v1).")).to_be_visible(timeout=30_000)
        settle(page)
        for version, prompt, note in [(2, "Sort the ticket.\nBe brief and polite.", "politer"),
                                      (3, "Sort the ticket.\nBe brief and polite.\nSay thanks.", "thank them")]:
            edit = form_with(page, f"Save as v{version}")
            edit.get_by_role("textbox", name="System prompt", exact=True).fill(prompt)
            edit.get_by_role("textbox", name="What changed and why", exact=True).fill(note)
            edit.get_by_role("button", name=f"Save as v{version}").click()
            settle(page)
            expect(page.get_by_text(f"Saved triage v{version}.")).to_be_visible(timeout=30_000)
            settle(page)
        no_exception(page, "Agents")
        page.get_by_role("tab", name="Versions and diff").click()
        settle(page)
        pick(page, "From version", "v1")
        diff = page.get_by_test_id("stCode").filter(has_text="--- triage v1")
        expect(diff).to_contain_text("+++ triage v3")
        expect(diff).to_contain_text("-Be brief.")
        expect(diff).to_contain_text("+Say thanks.")

        page.goto(url)
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=30_000)
        settle(page)
        pick(page, "Agent (system prompt)", "Triage (triage)")
        box.fill("My parcel is late")
        box.press("Enter")
        answer = page.get_by_test_id("stChatMessage").last
        expect(answer).to_contain_text("Say thanks.", timeout=30_000)  # version 3's prompt reached the vendor
        expect(answer).to_contain_text("triage v3")
        settle(page)
        no_exception(page, "Playground")

        page.goto(f"{url}/logs")
        expect(page.get_by_role("heading", level=1).first).to_contain_text("Logs", timeout=30_000)
        settle(page)
        pick(page, "Agent", "Triage (triage)")
        pick(page, "Agent version", "v3")
        expect(page.get_by_text("Rows 1–1 of 1")).to_be_visible(timeout=30_000)
        store = Store(database)
        try:
            [interaction_id] = store.list_interactions(agent="triage", agent_version=3)[0]["id"].tolist()
        finally:
            store.close()
        page.get_by_text("Open a request by id").click()
        opened = page.get_by_label("Request id", exact=True)
        opened.fill(str(interaction_id))
        opened.press("Enter")
        settle(page)
        expect(page.get_by_text(f"Request #{interaction_id}")).to_be_visible(timeout=30_000)
        expect(page.locator("text=My parcel is late >> visible=true").first).to_be_visible()
        expect(page.get_by_test_id("stMarkdown").filter(has_text="agent triage v3").first).to_be_visible()
        pick(page, "Agent version", "v1")
        expect(page.get_by_text("Rows 1–1 of 1")).to_have_count(0)
        no_exception(page, "Logs")
        browser.close()
