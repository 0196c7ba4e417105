"""The Savings page in a real browser (streamlit run + Chromium): the headline a stakeholder reads puts measured
quality, with n and its interval, beside the savings; without verdicts it says quality is not measured yet."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from appkit import write_config
from browserkit import ARGS, CHROMIUM, no_exception, require_chromium, serve_app, settle

from router_core.store import InteractionRecord, Store

CHEAP, BASELINE = ("groq", "llama-3.1-8b-instant"), "anthropic:claude-sonnet-5-5"


def seed_database(path: Path, outcomes: dict[str, int], *, simulated: bool = False) -> str:
    """A database with ten playground requests routed to a cheap model (a tenth of the baseline's cost each) and
    shadow-check verdicts on them; returns its URL."""
    url = f"sqlite:///{path}"
    store = Store(url)
    now = datetime.now(timezone.utc)
    ids = []
    for i in range(10):
        ids.append(store.log_interaction(InteractionRecord(
            org="acme", agent=None, session_id="s", prompt=f"Where is order #{i}?", messages_json=json.dumps([]),
            response="It shipped.", complexity="SIMPLE", score=0.2, reasons=[], provider=CHEAP[0], model=CHEAP[1],
            input_tokens=100, output_tokens=50, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0001,
            baseline_cost_usd=0.001, latency_ms=300.0, ttft_ms=80.0, cached=False, status="ok", error=None,
            attempts=[], ts=now - timedelta(hours=i + 1), source="playground")))
    flat = [o for o, n in outcomes.items() for _ in range(n)]
    for i, outcome in enumerate(flat):
        store.save_verdict("shadow", outcome, interaction_id=ids[i % len(ids)], tier="SIMPLE",
                           contestant_target=":".join(CHEAP), baseline_target=BASELINE,
                           judge_target="openai:gpt-6-astra", simulated=simulated, org="acme")
    store.close()
    return url


def headline_text(tmp_path: Path, database_url: str, screenshot: Path | None = None) -> str:
    """Open the Savings page in Chromium and read the headline (the page's first h3)."""
    from playwright.sync_api import expect, sync_playwright

    env = {"ROUTER_CONFIG": str(write_config(tmp_path)), "DATABASE_URL": database_url, "ROUTER_DEMO": "1"}
    with serve_app(tmp_path, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"{url}/savings")
            expect(page.get_by_role("heading", level=1).first).to_contain_text("Savings", timeout=30_000)
            settle(page)
            no_exception(page, "Savings")
            heading = page.locator(".st-key-sv_headline h3").first
            expect(heading).to_be_visible(timeout=30_000)
            if screenshot is not None:
                page.wait_for_timeout(1500)
                settle(page)
                page.screenshot(path=str(screenshot), full_page=False)
            return heading.inner_text()
        finally:
            browser.close()


@pytest.mark.slow
def test_the_savings_headline_reads_measured_quality_in_a_browser(tmp_path):
    require_chromium()
    url = seed_database(tmp_path / "app.db", {"win": 6, "tie": 3, "loss": 3})
    text = headline_text(tmp_path, url)
    assert text == ("Saved 90.0 % of the baseline cost; routed answers matched or beat the baseline in 75.0 % "
                    "(95 % CI 46.8–91.1 %) of 12 judged requests.")


@pytest.mark.slow
def test_the_savings_headline_says_simulated_verdicts_are_not_quality_in_a_browser(tmp_path):
    require_chromium()
    url = seed_database(tmp_path / "app.db", {"win": 4}, simulated=True)
    assert headline_text(tmp_path, url) == ("Saved 90.0 % of the baseline cost; quality not measured yet: "
                                            "4 simulated verdicts (demo mode) are not counted.")
