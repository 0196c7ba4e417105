"""The real thing: `streamlit run app.py` in demo mode, driven by Chromium through Playwright.

Chats twice on the Playground, runs a comparison, a health check, opens all seven pages, checks that no
page shows an exception, and saves full-page screenshots to artifacts/screenshots/ (git-ignored).
Needs Debian's chromium at /usr/bin/chromium (.ci/run installs it).
"""

from __future__ import annotations

import re

import pytest

from appkit import ROOT, write_config
from browserkit import ARGS, CHROMIUM, no_exception, require_chromium, serve_app, settle

SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = ["Playground", "Compare", "Health", "Savings", "Routing", "Logs", "Settings"]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    require_chromium()
    tmp = tmp_path_factory.mktemp("browser")
    with serve_app(tmp, {"ROUTER_CONFIG": str(write_config(tmp, local_model=True)), "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
                         "ROUTER_DEMO": "1"}) as url:
        yield url


def not_wider_than_viewport(page, where: str) -> None:
    scroll = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollWidth "
                           "|| document.documentElement.scrollWidth")
    width = page.viewport_size["width"]
    assert scroll <= width, f"{where}: content is {scroll}px wide at a {width}px window"


def shoot(page, name: str) -> None:
    """A full-page screenshot. Streamlit scrolls inside its main container, so grow the window to the
    content's height for the shot (the width stays at 1280 px), then put it back."""
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMainBlockContainer"]');
        const side = document.querySelector('[data-testid="stSidebarContent"]');
        document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')
            .forEach(e => e.scrollTo(0, 0));
        return Math.max(main ? main.scrollHeight + 320 : 0, side ? side.scrollHeight : 0);
    }""")
    page.mouse.move(0, 0)  # no hover tooltip in the shot
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 8000))})
    page.wait_for_timeout(500)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size(size)


def chat(page, prompt: str, expect_tier: str, expect_provider: str, kind: str = "simulated"):
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(prompt)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").last
    line = answer.get_by_test_id("stCaptionContainer").last
    expect(line).to_contain_text(expect_tier, timeout=30_000)
    for part in (expect_provider, "$", "in /", "saved", kind):
        expect(line).to_contain_text(part)
    expect(line).to_contain_text(re.compile(r"\d+(\.\d+)? m?s \(first token"))  # latency, "850 ms" or "1.3 s"
    return answer


def test_app_in_a_real_browser(app_url):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # The very first request of a fresh server is a deep link: app.py (navigation, shared sidebar,
        # banner) must still wrap the page (see pages/shared.py: ensure_app_shell).
        page.goto(f"{app_url}/health")
        expect(page.get_by_role("heading", level=1).first).to_contain_text("Health", timeout=30_000)
        expect(page.get_by_test_id("stSidebar").get_by_text("Workspace / org")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare")).to_be_visible()
        settle(page)
        no_exception(page, "Health (deep link)")
        page.goto(app_url)
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=30_000)
        settle(page)
        no_exception(page, "Playground (empty)")
        expect(page.get_by_text("Demo mode").first).to_be_visible()
        shoot(page, "playground-empty")

        # Two chats, each with the metadata line: "Hi" is answered for real by the local model at $0,
        # the hard one by a (simulated) premium provider.
        chat(page, "Hi", "TRIVIAL", "local", kind="real")
        answer = chat(page, "Write a detailed analysis comparing React and Vue.js for enterprise applications",
                      "COMPLEX", "openai")
        settle(page)
        answer.get_by_text("Why this route").click()
        expect(answer.get_by_text("Candidates, in order")).to_be_visible()
        expect(page.get_by_test_id("stChatMessage")).to_have_count(4)
        no_exception(page, "Playground")
        not_wider_than_viewport(page, "Playground")
        shoot(page, "playground")

        for title in PAGES[1:]:
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
            expect(page.get_by_role("heading", level=1).first).to_contain_text(title, timeout=30_000)
            settle(page)
            if title == "Compare":
                page.get_by_label("Prompt", exact=True).fill("Can you explain how photosynthesis works?")
                page.get_by_role("button", name="Compare").click()
                expect(page.get_by_text("Which answer is best?")).to_be_visible(timeout=30_000)
                expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)
                settle(page)
            elif title == "Health":
                page.get_by_role("button", name="Check now").click()
                expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30_000)
                settle(page)
            no_exception(page, title)
            not_wider_than_viewport(page, title)
            shoot(page, title.lower())
        browser.close()
