"""Untrusted text in a real browser: model output carrying <script>, <img onerror> and javascript: links
must render as inert text (no dialog, no script effect, no live element); the team password gates the app."""

from __future__ import annotations

import pytest
from fakevendor import Reply, sse

from appkit import app, app_env  # noqa: F401  (fixtures)
from browserkit import ARGS, CHROMIUM, require_chromium, serve_app, settle
from routerkit import echo_config

HOSTILE = ("Here you go: <script>window.__xss = 1; alert('script')</script>\n\n"
           "<img src=x onerror=\"window.__xss = 2; alert('img')\">\n\n"
           "[click me](javascript:window.__xss=3) and <a href=\"javascript:alert(4)\">raw link</a>")



def hostile_vendor(request) -> Reply:
    if request.path.endswith("/models"):
        return Reply(json={"data": [{"id": "echo-model"}]})
    usage = {"prompt_tokens": 5, "completion_tokens": 40}
    if (request.json or {}).get("stream"):
        chunks = [{"model": "echo-model", "choices": [{"index": 0, "delta": {"content": HOSTILE[i:i + 40]}}]}
                  for i in range(0, len(HOSTILE), 40)]
        chunks.append({"model": "echo-model", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        chunks.append({"choices": [], "usage": usage})
        return Reply(chunks=sse(*chunks, done=True), content_type="text/event-stream")
    return Reply(json={"model": "echo-model", "usage": usage,
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": HOSTILE}}]})


@pytest.fixture
def hostile_app(tmp_path, vendor):
    require_chromium()
    vendor.route("/", hostile_vendor)
    config = echo_config(tmp_path, vendor.url)
    with serve_app(tmp_path, {"ROUTER_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                              "ROUTER_DEMO": "0"}) as url:
        yield url


def test_hostile_model_output_stays_inert_in_a_real_browser(hostile_app):
    from playwright.sync_api import expect, sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(hostile_app)
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=30_000)
        box.fill("Say something")
        box.press("Enter")
        answer = page.get_by_test_id("stChatMessage").last
        expect(answer).to_contain_text("Here you go", timeout=30_000)
        settle(page)
        expect(answer).to_contain_text("<script>")  # shown as text, not run
        for link in answer.locator("a").all():
            link.click(timeout=2_000, no_wait_after=True)
        page.wait_for_timeout(500)
        assert dialogs == []
        assert page.evaluate("() => window.__xss") is None
        assert answer.locator("script, img[onerror], iframe, [onerror], [onclick]").count() == 0
        hrefs = answer.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href') || '')")
        assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], hrefs
        browser.close()


def test_the_team_password_gates_every_page(app, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    at = app.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["🔀 Switchboard"] and not at.chat_input
    at.text_input[0].set_value("wrong")  # a form: the value goes with the submit
    at.button[0].click().run()
    assert at.error and "not right" in at.error[0].value and not at.chat_input
    at.text_input[0].set_value("correct horse")
    at.button[0].click().run()
    assert not at.exception and at.chat_input, "signed in: the Playground renders"
    at.switch_page("pages/settings.py").run()
    assert not at.exception and at.title[0].value != "🔀 Switchboard", "the session stays signed in"
