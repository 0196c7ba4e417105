"""Health per mode (issue 15, defect 4): checks and attempts of simulated vendors are marked when written, and
the Health figures of a provider come only from rows of its current mode, so leaving demo mode does not show
"Reachable" from simulated checks nor mix simulated calls into live error rates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from appkit import app, app_env, open_page, texts, write_config, ws  # noqa: F401  (fixtures)
from pg import db_url  # noqa: F401  (a fixture)

from router_core import analytics as A
from router_core.store import InteractionRecord, Store

NOW = datetime.now(timezone.utc)
WINDOW = dict(since=NOW - timedelta(hours=1), until=NOW + timedelta(hours=1))


def record(provider: str, *, simulated: bool, attempts: list[dict], status: str = "ok") -> InteractionRecord:
    return InteractionRecord(
        org=None, agent=None, session_id=None, prompt="q", messages_json="[]", response="a", complexity="SIMPLE",
        score=0.1, reasons=[], provider=provider, model="m", input_tokens=1, output_tokens=1, cached_input_tokens=0,
        reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.0, latency_ms=10.0, ttft_ms=None, cached=False,
        status=status, error=None, attempts=attempts, simulated=simulated, ts=NOW)


def attempt(provider: str, outcome: str, latency_ms: float) -> dict:
    return {"provider": provider, "model": "m", "outcome": outcome, "latency_ms": latency_ms}


@pytest.fixture
def store(db_url):  # noqa: F811
    s = Store(db_url)
    yield s
    s.close()


def test_health_history_keeps_each_mode_apart(store):
    store.record_health("openai", True, 5.0, "3 models", simulated=True, ts=NOW - timedelta(minutes=2))
    store.record_health("openai", False, None, "401 bad key", ts=NOW - timedelta(minutes=1))
    since = NOW - timedelta(hours=1)
    assert list(store.health_history(since)["reachable"]) == [True, False]  # no filter: both, oldest first
    live = store.health_history(since, simulated=False)
    assert list(live["reachable"]) == [False] and list(live["detail"]) == ["401 bad key"]
    demo = store.health_history(since, "openai", simulated=True)
    assert list(demo["reachable"]) == [True] and list(demo["simulated"]) == [True]


def test_live_error_rates_and_latency_exclude_simulated_attempts(store):
    # demo: openai (simulated) failed once, then groq (simulated) answered; the interaction itself is simulated
    demo = record("groq", simulated=True, attempts=[attempt("openai", "error", 900.0), attempt("groq", "ok", 100.0)])
    demo.simulated_providers = ("groq", "openai")
    store.log_interaction(demo)
    # live: openai (real) answered twice
    for ms in (40.0, 60.0):
        store.log_interaction(record("openai", simulated=False, attempts=[attempt("openai", "ok", ms)]))

    live = A.error_rate_by_provider(store, simulated=False, **WINDOW).set_index("provider")
    assert list(live.index) == ["openai"] and live.loc["openai", "errors"] == 0 and live.loc["openai", "attempts"] == 2
    sim = A.error_rate_by_provider(store, simulated=True, **WINDOW).set_index("provider")
    assert sim.loc["openai", "error_rate"] == 1.0 and sim.loc["groq", "attempts"] == 1
    both = A.error_rate_by_provider(store, **WINDOW).set_index("provider")
    assert both.loc["openai", "attempts"] == 3  # no filter: every attempt, as before

    live_latency = A.latency_by_provider(store, simulated=False, **WINDOW).set_index("provider")
    assert list(live_latency.index) == ["openai"] and live_latency.loc["openai", "p50_ms"] == 40.0
    assert A.latency_by_provider(store, simulated=True, **WINDOW)["provider"].tolist() == ["groq"]
    org = A.error_rate_by_provider(store, simulated=False, org="nobody", **WINDOW)
    assert org.empty  # the org-filtered path takes the filter too


def test_an_interaction_without_the_provider_list_marks_only_its_own_provider(store):
    """Rows written by something other than the router (no simulated_providers): the interaction's own flag
    goes to its own provider's attempts, the rule the migration backfills by."""
    store.log_interaction(record("groq", simulated=True, attempts=[attempt("openai", "error", 900.0),
                                                                   attempt("groq", "ok", 100.0)]))
    store.log_interaction(record("mistral", simulated=True, attempts=[]))  # no trail: one attempt of mistral
    sim = A.error_rate_by_provider(store, simulated=True, **WINDOW)
    assert sorted(sim["provider"]) == ["groq", "mistral"]
    assert A.error_rate_by_provider(store, simulated=False, **WINDOW)["provider"].tolist() == ["openai"]


def test_the_router_marks_checks_and_attempts_of_simulated_vendors(ws):  # noqa: F811
    router = ws.router
    simulated = {name for name, p in router.providers.items() if p.simulated}
    assert simulated, "demo mode simulates the cloud providers"
    ws.check_health()
    history = router.store.health_history(NOW - timedelta(hours=1))
    assert {r.provider for r in history.itertuples() if r.simulated} == simulated
    assert not any(r.simulated for r in history.itertuples() if r.provider not in simulated)
    completion = router.complete("Write a detailed analysis comparing React and Vue.js for enterprise applications")
    assert completion.simulated
    traffic = A.error_rate_by_provider(router.store, simulated=True, **WINDOW)
    assert completion.provider in set(traffic["provider"])
    assert A.error_rate_by_provider(router.store, simulated=False, **WINDOW).empty


def test_the_workspace_shows_each_provider_the_rows_of_its_current_mode(tmp_path, db_url):  # noqa: F811
    from router_core.config import load_config
    from router_core.router import Router
    from router_core.workspace import Workspace

    store = Store(db_url)
    store.record_health("openai", True, 5.0, "simulated", simulated=True)
    store.record_health("groq", True, 5.0, "simulated", simulated=True)
    store.record_health("openai", False, None, "real: 401", simulated=False)
    store.log_interaction(record("groq", simulated=True, attempts=[attempt("groq", "ok", 10.0)]))
    store.log_interaction(record("openai", simulated=True, attempts=[attempt("openai", "ok", 10.0)]))
    env = {"ROUTER_DOTENV": str(tmp_path / "no.env")}
    demo = Workspace(Router(load_config(write_config(tmp_path), {**env, "ROUTER_DEMO": "1"}), store=store))
    live = Workspace(Router(load_config(write_config(tmp_path), {**env, "ROUTER_DEMO": "0", "OPENAI_API_KEY": "x"}),
                            store=store))
    try:
        since = NOW - timedelta(hours=1)
        assert set(demo.health_history(since)["detail"]) == {"simulated"}
        assert list(live.health_history(since)["detail"]) == ["real: 401"]  # groq's simulated check is gone too
        _, demo_errors = demo.provider_traffic(**WINDOW)
        _, live_errors = live.provider_traffic(**WINDOW)
        assert {"groq", "openai"} <= set(demo_errors.index)
        assert live_errors.empty
    finally:
        demo.router.close()
        live.router.close()
        store.close()


def test_after_leaving_demo_mode_health_shows_no_simulated_check_or_traffic(app, app_env, monkeypatch):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    from appkit import APP, clear_streamlit_caches
    from pages.shared import get_router

    open_page(app, "pages/health.py")
    next(b for b in app.button if "Check now" in b.label).click().run()
    app.switch_page("pages/playground.py").run()
    app.chat_input[0].set_value("Write a detailed analysis comparing React and Vue.js for enterprise applications").run()
    app.switch_page("pages/health.py").run()
    assert any("🟢 **Reachable**" in m for m in texts(app.markdown))  # demo: the simulated checks show
    assert any("errors of 1" in c for c in texts(app.caption))
    simulated = {name for name, p in get_router().providers.items() if p.simulated}
    assert "openai" in simulated

    get_router().close()
    clear_streamlit_caches()  # a restart: the app builds its router again, now in live mode
    monkeypatch.setenv("ROUTER_DEMO", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    live = AppTest.from_file(str(APP), default_timeout=30)
    open_page(live, "pages/health.py")
    markdown = texts(live.markdown)
    assert not any("🟢" in m for m in markdown), markdown  # no "Reachable" from a simulated check
    assert sum("⚪ Not checked yet" in m for m in markdown) == len(simulated), markdown  # openai included
    assert not any("errors of" in c for c in texts(live.caption))  # the simulated request is not live traffic
    assert any("live mode" in c and "simulated" in c for c in texts(live.caption)), texts(live.caption)
    get_router().close()


@pytest.mark.parametrize("walk", [False, True], ids=["sort", "index-walk"])
def test_per_mode_provider_figures_read_only_covering_indexes(tmp_path, monkeypatch, walk):
    """On SQLite the per-provider figures under the mode filter are answered from attempt_logs' covering indexes
    (simulated ends each of them), never from the table rows, in both percentile paths and with org / agent."""
    import sqlalchemy as sa

    from router_core.analytics import providers

    if walk:
        monkeypatch.setattr(providers, "WALK_THRESHOLD", 0)
    s = Store(f"sqlite:///{tmp_path / 'plan.db'}")
    for i in range(4):
        s.log_interaction(record("groq", simulated=bool(i % 2), attempts=[attempt("openai", "error", 5.0),
                                                                          attempt("groq", "ok", 10.0 + i)]))
    statements: list[tuple[str, object]] = []
    sa.event.listen(s.engine, "before_cursor_execute",
                    lambda conn, cursor, sql, params, context, many: statements.append((sql, params)))
    for scope in ({}, {"org": "acme"}, {"agent": "coder"}):
        for mode in (True, False):
            A.error_rate_by_provider(s, simulated=mode, **scope, **WINDOW)
            A.latency_by_provider(s, simulated=mode, **scope, **WINDOW)
    queries = [(sql, params) for sql, params in statements if "attempt_logs" in sql and "simulated" in sql]
    assert len(queries) >= 12
    with s.engine.connect() as conn:
        for sql, params in queries:
            plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "COVERING INDEX" in plan and "SCAN attempt_logs" not in plan.replace("USING COVERING", ""), plan
    s.close()
