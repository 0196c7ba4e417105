"""The database misbehaves: the answer still reaches the user, the failure is reported, and no row is lost
(a refused row waits in memory and is written with the next successful log)."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from conftest import run
from routerkit import anthropic_ok, make_router, openai_ok

from router_core.store import Store

PROMPT = "Can you explain how photosynthesis works?"


def count(tmp_path) -> int:
    db = sqlite3.connect(tmp_path / "router.db")
    try:
        return db.execute("SELECT COUNT(*) FROM interaction_logs").fetchone()[0]
    finally:
        db.close()


def test_a_locked_database_delays_the_row_but_never_loses_it(tmp_path, vendor):
    vendor.default(json=openai_ok("answer"))
    url = f"sqlite:///{tmp_path / 'router.db'}"
    router = make_router(tmp_path, vendor.url, vendor.url, store=Store(url, busy_timeout_ms=50, log_retries=1))
    holder = sqlite3.connect(tmp_path / "router.db", timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    first = run(router.acomplete(PROMPT))
    assert first.text == "answer" and first.interaction_id is None
    assert "not logged yet" in first.log_error and "1 waiting" in first.log_error
    holder.rollback()
    holder.close()
    second = run(router.acomplete(PROMPT + " Briefly."))
    assert second.log_error is None and second.interaction_id is not None
    assert count(tmp_path) == 2, "the delayed row is written with the next one"
    router.close()


def test_a_read_only_database_still_answers_and_reports_it(tmp_path, vendor):
    vendor.default(json=openai_ok("answer"))
    path = tmp_path / "router.db"
    Store(f"sqlite:///{path}").close()  # the schema exists
    read_only = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    router = make_router(tmp_path, vendor.url, vendor.url, store=read_only)
    c = run(router.acomplete(PROMPT))
    assert c.text == "answer"
    assert "not logged yet" in c.log_error and "readonly" in c.log_error.replace("-", "").replace(" ", "")
    assert router.flush_unlogged() == 1  # still waiting, not dropped
    router.close()


def test_a_sqlite_uri_filename_creates_no_folder_named_after_it(tmp_path, monkeypatch):
    """`file:/path?mode=ro&uri=true` names an existing file: opening it makes no `file:` folder where it runs."""
    path = tmp_path / "data" / "router.db"
    Store(f"sqlite:///{path}").close()  # a plain path: its folder is made
    monkeypatch.chdir(tmp_path)
    Store(f"sqlite:///file:{path}?mode=ro&uri=true").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_database_from_an_older_version_is_migrated_and_keeps_its_rows(tmp_path, vendor):
    path = tmp_path / "router.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE interaction_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TIMESTAMP, org TEXT, "
            "agent TEXT, session_id TEXT, prompt TEXT, messages_json TEXT, response TEXT, complexity TEXT, "
            "score REAL, reasons TEXT, provider TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER, "
            "cost_usd REAL, baseline_cost_usd REAL, latency_ms REAL, cached INTEGER, status TEXT, error TEXT)")
        conn.exec_driver_sql(
            "INSERT INTO interaction_logs (ts, prompt, response, complexity, provider, model, status) "
            "VALUES ('2024-05-01 10:00:00', 'old prompt', 'old answer', 'SIMPLE', 'groq', 'llama', 'ok')")
    engine.dispose()
    vendor.default(json=anthropic_ok())
    router = make_router(tmp_path, vendor.url, vendor.url)
    c = run(router.acomplete(PROMPT, provider="premium"))
    assert c.log_error is None
    db = sqlite3.connect(path)
    rows = db.execute("SELECT prompt, ttft_ms FROM interaction_logs ORDER BY id").fetchall()
    db.close()
    assert rows[0] == ("old prompt", None) and rows[1][0] == PROMPT and len(rows) == 2
    router.close()
