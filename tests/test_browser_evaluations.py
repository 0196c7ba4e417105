"""The Evaluations page in a real browser, demo mode: the one-click run finishes and its summary says
"simulated" (a simulated run never reads as measured quality)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appkit import write_config
from browserkit import ARGS, CHROMIUM, no_exception, require_chromium, serve_app, settle

pytestmark = pytest.mark.slow

# A judge that no routing table of router.toml uses, so the one-click run is not refused as a self-judge.
JUDGE = "anthropic:claude-haiku-5-5"


def demo_config(folder: Path) -> Path:
    path = write_config(folder)
    text, n = re.subn(r'(?m)^judge\s*=.*$', f'judge = "{JUDGE}"', path.read_text(encoding="utf-8"))
    assert n == 1, "data/router.toml no longer sets [quality] judge"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def demo_app(tmp_path):
    require_chromium()
    with serve_app(tmp_path, {"ROUTER_CONFIG": str(demo_config(tmp_path)), "ROUTER_DEMO": "1",
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}) as url:
        yield url


def test_a_one_click_demo_run_shows_a_simulated_summary(demo_app):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{demo_app}/evaluations")
        expect(page.get_by_role("heading", level=1).first).to_contain_text("Evaluations", timeout=30_000)
        expect(page.get_by_text("No evaluation runs yet")).to_be_visible()
        settle(page)
        page.get_by_role("button", name="Start with MT-Bench, 10 prompts").click()
        # The empty state also says "matched or beat the baseline": wait for the finished run's tiles first.
        expect(page.get_by_test_id("stMetric").filter(has_text="Quality retained")).to_be_visible(timeout=180_000)
        settle(page)
        no_exception(page, "Evaluations")
        summary = page.get_by_test_id("stMarkdownContainer").filter(has_text="judged prompts")
        expect(summary).to_contain_text("Simulated")
        expect(summary).to_contain_text("not measured quality")
        expect(page.get_by_text("simulated run — not measured quality")).to_be_visible()
        browser.close()
