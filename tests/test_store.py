"""Store: interaction log, filters, feedback, agents, policies, health, comparisons, migration, concurrency.

Runs on a fresh SQLite file per test, and on PostgreSQL too when TEST_POSTGRES_URL is set (see pg.py).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
from pg import db_url, open_stores_at_once, store  # noqa: F401  (fixtures)

from router_core.errors import RouterError
from router_core.store import (SCHEMA_VERSION, T_ATTEMPT, T_LOG, Agent, InteractionRecord, Store, StoreError,
                               normalize_url, to_db_time)
from router_core.store.migrations import steps

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def rec(**kw) -> InteractionRecord:
    base = dict(org="acme", agent="support", session_id="s1", prompt="What is 2+2?",
                messages_json='[{"role": "user", "content": "What is 2+2?"}]', response="4", complexity="SIMPLE",
                score=0.2, reasons=["short question"], provider="groq", model="llama-3.1-8b", input_tokens=12,
                output_tokens=3, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0001,
                baseline_cost_usd=0.002, latency_ms=120.5, ttft_ms=40.0, cached=False, status="ok", error=None,
                attempts=[{"provider": "groq", "model": "llama-3.1-8b", "outcome": "ok"}], ts=T0)
    base.update(kw)
    return InteractionRecord(**base)


# ------------------------------------------------------------------------------------------ log + read


def test_log_and_read_back(store):
    iid = store.log_interaction(rec(reasons=["a", "b"], cached_input_tokens=5, reasoning_tokens=7, simulated=True))
    row = store.get_interaction(iid)
    assert row["id"] == iid and row["prompt"] == "What is 2+2?" and row["response"] == "4"
    assert row["ts"] == T0 and row["ts"].tzinfo is not None
    assert row["reasons"] == ["a", "b"]
    assert row["attempts"] == [{"provider": "groq", "model": "llama-3.1-8b", "outcome": "ok"}]
    assert (row["cached_input_tokens"], row["reasoning_tokens"], row["feedback"]) == (5, 7, 0)
    assert row["simulated"] is True and row["cached"] is False
    assert row["cost_usd"] == pytest.approx(0.0001) and row["ttft_ms"] == pytest.approx(40.0)
    assert store.get_interaction(iid + 1000) is None


def test_default_ts_is_now_and_naive_is_utc(store):
    before = datetime.now(timezone.utc)
    iid = store.log_interaction(rec(ts=None))
    assert before - timedelta(seconds=1) <= store.get_interaction(iid)["ts"] <= datetime.now(timezone.utc)
    iid = store.log_interaction(rec(ts=datetime(2025, 1, 2, 3, 4, 5)))  # naive = UTC
    assert store.get_interaction(iid)["ts"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    plus2 = timezone(timedelta(hours=2))
    iid = store.log_interaction(rec(ts=datetime(2025, 1, 2, 5, 4, 5, tzinfo=plus2)))
    assert store.get_interaction(iid)["ts"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_attempt_dataclasses_and_enums_are_serialised(store):
    from router_core.types import Attempt, Complexity

    iid = store.log_interaction(rec(complexity=Complexity.EXPERT, attempts=[Attempt("openai", "gpt", "error", "boom")]))
    row = store.get_interaction(iid)
    assert row["complexity"] == "EXPERT"
    assert row["attempts"][0]["provider"] == "openai" and row["attempts"][0]["error"] == "boom"


ATTEMPT_COLS = ("provider", "model", "outcome", "status", "latency_ms", "retryable")


def attempts_of(store: Store, interaction_id: int | None = None) -> list[tuple]:
    """attempt_logs rows (ATTEMPT_COLS), in insertion order."""
    a = T_ATTEMPT.c
    stmt = sa.select(*(a[c] for c in ATTEMPT_COLS)).order_by(a.id)
    if interaction_id is not None:
        stmt = stmt.where(a.interaction_id == interaction_id)
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def test_attempts_are_logged_with_their_interaction(store):
    from router_core.types import Attempt

    trail = [Attempt("anthropic", "sonnet", "skipped", "no API key"),  # never tried: not an attempt
             Attempt("openai", "gpt", "error", "openai: HTTP 503", 503, 120.5, True),
             Attempt("openai", "gpt", "error", "openai: timeout", None, 30000.0, True),
             Attempt("groq", "llama", "ok", latency_ms=240.0)]
    iid = store.log_interaction(rec(provider="groq", model="llama", attempts=[a.__dict__ for a in trail]))
    assert attempts_of(store, iid) == [("openai", "gpt", "error", 503, 120.5, True),
                                       ("openai", "gpt", "error", None, 30000.0, True),
                                       ("groq", "llama", "ok", None, 240.0, None)]
    with store.engine.connect() as conn:  # same ts as the interaction, to the microsecond and in the same form
        ts = conn.execute(sa.select(T_ATTEMPT.c.ts).distinct().where(T_ATTEMPT.c.interaction_id == iid)).all()
        assert ts == [(store.get_interaction(iid)["ts"],)] == [(T0,)]
        if store.dialect == "sqlite":
            raw = conn.exec_driver_sql(f"SELECT DISTINCT a.ts = l.ts FROM attempt_logs a JOIN interaction_logs l"
                                       f" ON l.id = a.interaction_id WHERE l.id = {iid}").all()
            assert raw == [(1,)]
    assert store.get_interaction(iid)["attempts"][0]["outcome"] == "skipped"  # the JSON trail keeps everything

    failed = store.log_interaction(rec(provider=None, model=None, status="error", response=None,
                                       attempts=[trail[1].__dict__, Attempt("groq", "llama", "error", "x").__dict__]))
    assert [(p, o) for p, _, o, *_ in attempts_of(store, failed)] == [("openai", "error"), ("groq", "error")]
    hit = store.log_interaction(rec(cached=True, attempts=[]))
    hit_with_trail = store.log_interaction(rec(cached=True))  # a cache hit tried nobody, whatever it says
    assert attempts_of(store, hit) == attempts_of(store, hit_with_trail) == []
    # no trail (not written by the router): one attempt of the provider it names, with its status and latency
    bare = store.log_interaction(rec(attempts=[], status="error", latency_ms=77.0))
    assert attempts_of(store, bare) == [("groq", "llama-3.1-8b", "error", None, 77.0, None)]
    assert attempts_of(store, store.log_interaction(rec(provider=None, attempts=[], status="error"))) == []
    odd = store.log_interaction(rec(attempts=[{"provider": "groq", "outcome": "ok", "status": "n/a",
                                               "latency_ms": None}, "not an attempt", {"outcome": "error"}]))
    assert attempts_of(store, odd) == [("groq", None, "ok", None, 0.0, None)]


def test_interaction_and_attempts_are_one_transaction(store):
    def rename(old: str, new: str) -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")

    rename("attempt_logs", "attempt_logs_away")  # the attempts' INSERT now fails in the database
    try:
        with pytest.raises(StoreError, match="could not log the interaction"):
            store.log_interaction(rec(prompt="half written"))
        assert store.list_interactions()[1] == 0  # the interaction was rolled back with it
        store.log_interaction(rec(cached=True))  # nothing to add: no attempt insert at all
        assert store.list_interactions()[1] == 1
    finally:
        rename("attempt_logs_away", "attempt_logs")
    assert attempts_of(store) == []


def test_filters_and_pagination(store):
    for i in range(30):
        store.log_interaction(rec(
            ts=T0 + timedelta(minutes=i), org="acme" if i % 2 else "globex", agent=["support", "coder", None][i % 3],
            complexity=["SIMPLE", "MEDIUM", "EXPERT"][i % 3], provider="groq" if i < 20 else "anthropic",
            model="llama" if i < 20 else "sonnet", status="error" if i % 10 == 0 else "ok", cached=i % 5 == 1,
            prompt=f"prompt number {i}", response="Needle in a haystack" if i == 7 else f"answer {i}"))
    df, total = store.list_interactions(limit=10)
    assert total == 30 and len(df) == 10
    assert list(df["prompt"][:2]) == ["prompt number 29", "prompt number 28"]  # newest first
    df2, _ = store.list_interactions(limit=10, offset=25)
    assert list(df2["prompt"]) == [f"prompt number {i}" for i in range(4, -1, -1)]
    assert isinstance(df["reasons"].iloc[0], list) and df["cached"].dtype == bool
    assert str(df["ts"].dt.tz) == "UTC"

    def total_of(**kw):
        return store.list_interactions(**kw)[1]

    assert total_of(org="acme") == 15
    assert total_of(agent="coder") == 10
    assert total_of(complexity="EXPERT") == 10
    assert total_of(complexity=["SIMPLE", "EXPERT"]) == 20
    assert total_of(provider="anthropic") == 10 and total_of(model="llama") == 20
    assert total_of(status="error") == 3
    assert total_of(cached=True) == 6 and total_of(cached=False) == 24
    assert total_of(search="needle") == 1 and total_of(search="NUMBER 1") == 11
    assert total_of(search="100%") == 0 and total_of(search="_") == 0  # LIKE wildcards are escaped
    assert total_of(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=20)) == 10  # [since, until)
    assert total_of(org="acme", provider="groq", cached=False) == 8
    df, total = store.list_interactions(org="acme", status="error")
    assert total == 0 and df.empty and "prompt" in df.columns


def test_export_csv_streams_rows_with_savings(store):
    store.log_interaction(rec(ts=T0, prompt="=HYPERLINK(\"http://x\")", cost_usd=0.001, baseline_cost_usd=0.003))
    store.log_interaction(rec(ts=T0 + timedelta(seconds=1), cached=True, cost_usd=0.0, baseline_cost_usd=0.003))
    store.log_interaction(rec(ts=T0 + timedelta(seconds=2), org="other"))
    chunks = list(store.iter_interactions_csv(org="acme", chunk_rows=1))
    assert len(chunks) == 3  # header + one chunk per row
    rows = list(csv.DictReader(io.StringIO(store.export_interactions_csv(org="acme"))))
    assert len(rows) == 2 and "messages_json" not in rows[0]
    assert rows[0]["prompt"].startswith("'=")  # no spreadsheet formula injection
    assert float(rows[0]["saved_usd"]) == pytest.approx(0.002)
    assert float(rows[1]["saved_usd"]) == pytest.approx(0.003)  # a cache hit saves the whole baseline
    assert rows[0]["ts"].startswith("2025-03-01 12:00:00")


def test_feedback(store):
    iid = store.log_interaction(rec())
    store.set_feedback(iid, 1)
    assert store.get_interaction(iid)["feedback"] == 1
    store.set_feedback(iid, -1)
    assert store.get_interaction(iid)["feedback"] == -1
    store.set_feedback(iid, 0)
    assert store.get_interaction(iid)["feedback"] == 0
    with pytest.raises(ValueError):
        store.set_feedback(iid, 5)
    with pytest.raises(StoreError):
        store.set_feedback(iid + 999, 1)
    assert issubclass(StoreError, RouterError)


# --------------------------------------------------------------------------------------------- agents


def test_agents_seeded_and_saved(store):
    codes = [a.code for a in store.list_agents()]
    assert codes == sorted(codes) and {"support", "coder", "analyst", "writer", "tutor"} <= set(codes)
    assert all(a.system_prompt and a.name for a in store.list_agents())
    store.save_agent(Agent(code="lawyer", name="Lawyer", role="Legal", system_prompt="You are careful."))
    store.save_agent({"code": "coder", "name": "Coder 2", "role": "Eng", "system_prompt": "Write Rust."})
    assert store.get_agent("lawyer").system_prompt == "You are careful."
    assert store.get_agent("coder").name == "Coder 2"
    assert store.get_agent("nobody") is None
    assert len(store.list_agents()) == 6
    assert store.delete_agent("lawyer") and store.get_agent("lawyer") is None
    # re-opening does not re-seed or duplicate
    again = Store(store.database_url)
    assert len(again.list_agents()) == 5 and again.get_agent("coder").name == "Coder 2"
    again.close()


# ------------------------------------------------------------------------------------------- policies


def test_policies_shared_between_instances(db_url):
    a, b = Store(db_url), Store(db_url)
    try:
        assert a.active_policy() is None and a.policy_version() == "none" and a.list_policies() == []
        a.save_policy("cheap", {"SIMPLE": ["groq:llama"]})
        v1 = b.policy_version()
        assert b.active_policy() == ("cheap", {"SIMPLE": ["groq:llama"]})
        a.save_policy("quality", {"SIMPLE": ["anthropic:sonnet"]}, activate=False)
        assert b.active_policy()[0] == "cheap" and b.policy_version() == v1  # saving another one changes nothing
        assert b.list_policies() == ["cheap", "quality"]
        b.activate_policy("quality")
        v2 = a.policy_version()
        assert v2 != v1 and a.active_policy() == ("quality", {"SIMPLE": ["anthropic:sonnet"]})
        a.save_policy("quality", {"SIMPLE": ["openai:mini"]})  # editing the active policy changes the version
        v3 = b.policy_version()
        assert v3 not in (v1, v2) and b.active_policy()[1] == {"SIMPLE": ["openai:mini"]}
        a.activate_policy("cheap")
        a.activate_policy("quality")  # back to an earlier policy is still a change
        assert b.policy_version() not in (v1, v2, v3)
        assert b.get_policy("cheap") == {"SIMPLE": ["groq:llama"]} and b.get_policy("none") is None
        with pytest.raises(StoreError):
            a.activate_policy("missing")
        assert b.active_policy()[0] == "quality"  # the failed activation rolled back
        with a.engine.connect() as conn:
            actives = conn.execute(sa.text("SELECT count(*) FROM routing_policies WHERE active")).scalar()
        assert actives == 1
    finally:
        a.close()
        b.close()


# --------------------------------------------------------------------------------- health, comparisons


def test_health_history(store):
    store.record_health("groq", True, 85.0, "12 models", ts=T0 - timedelta(hours=2))
    store.record_health("groq", False, None, "HTTP 503", ts=T0)
    store.record_health("openai", True, 120.0, "ok", ts=T0 + timedelta(minutes=1))
    df = store.health_history(T0 - timedelta(hours=1))
    assert list(df.columns) == ["ts", "provider", "reachable", "latency_ms", "detail", "simulated"]
    assert list(df["provider"]) == ["groq", "openai"] and list(df["reachable"]) == [False, True]
    assert pd.isna(df["latency_ms"].iloc[0]) and df["ts"].iloc[0] == pd.Timestamp(T0)
    assert len(store.health_history(T0 - timedelta(days=1), provider="groq")) == 2
    assert store.prune_health(T0) == 1 and len(store.health_history(T0 - timedelta(days=1))) == 2


def test_comparisons_and_vote(store):
    cid = store.save_comparison("Explain TCP", "Be brief", [
        {"target": "groq:llama", "provider": "groq", "model": "llama", "text": "TCP is...", "cost_usd": 0.0001,
         "latency_ms": 300.0, "ttft_ms": 80.0, "input_tokens": 10, "output_tokens": 50},
        {"provider": "anthropic", "model": "sonnet", "text": None, "error": "HTTP 529 overloaded"},
    ])
    older = store.save_comparison("Old prompt", None, [{"target": "a:b", "text": "x"}])
    df = store.list_comparisons()
    assert list(df["comparison_id"]) == [older, cid, cid] or list(df["comparison_id"]) == [cid, cid, older]
    mine = df[df["comparison_id"] == cid]
    assert list(mine["target"]) == ["groq:llama", "anthropic:sonnet"]  # in the order given, target derived
    assert mine["error"].iloc[1] == "HTTP 529 overloaded" and mine["output_tokens"].iloc[0] == 50
    assert mine["winner"].isna().all()
    store.vote_comparison(cid, "groq:llama")
    df = store.list_comparisons()
    mine = df[df["comparison_id"] == cid]
    assert list(mine["winner"]) == ["groq:llama"] * 2 and list(mine["is_winner"]) == [True, False]
    store.vote_comparison(cid, "tie")
    with pytest.raises(StoreError, match="use one of"):
        store.vote_comparison(cid, "nobody:else")
    with pytest.raises(StoreError):
        store.vote_comparison(cid + 100, "tie")
    assert len(store.list_comparisons(limit=1)["comparison_id"].unique()) == 1


# ---------------------------------------------------------------------------------------- migration

V1_SQLITE = [
    """CREATE TABLE interaction_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TIMESTAMP, org TEXT, agent TEXT,
       session_id TEXT, prompt TEXT, messages_json TEXT, response TEXT, complexity TEXT, score REAL, reasons TEXT,
       provider TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER, cost_usd REAL,
       baseline_cost_usd REAL, latency_ms REAL, cached INTEGER, status TEXT, error TEXT)""",
    """CREATE TABLE response_cache (key TEXT PRIMARY KEY, prompt_preview TEXT, response TEXT, provider TEXT,
       model TEXT, input_tokens INTEGER, output_tokens INTEGER, cost_usd REAL, baseline_cost_usd REAL,
       created_at TIMESTAMP, hit_count INTEGER DEFAULT 0, last_hit_at TIMESTAMP, saved_usd REAL DEFAULT 0)""",
    "CREATE TABLE agent_catalog (code TEXT PRIMARY KEY, name TEXT, role TEXT, system_prompt TEXT)",
]
V1_POSTGRES = [sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY") for sql in V1_SQLITE]


def test_migration_from_v1_keeps_rows(db_url):
    engine = sa.create_engine(normalize_url(db_url))
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        for sql in V1_SQLITE if sqlite else V1_POSTGRES:
            conn.exec_driver_sql(sql)
        conn.execute(sa.text(
            "INSERT INTO interaction_logs (ts, org, agent, prompt, response, complexity, score, reasons, provider,"
            " model, input_tokens, output_tokens, cost_usd, baseline_cost_usd, latency_ms, cached, status)"
            " VALUES (:ts, 'acme', 'support', :p, 'old answer', 'SIMPLE', 0.3, '[\"short\"]', 'groq', 'llama',"
            " 10, 20, 0.001, 0.01, 150, :cached, 'ok')"),
            [{"ts": "2024-05-01T10:00:00.123456" if sqlite else "2024-05-01 10:00:00.123456", "p": "first",
              "cached": 0},
             {"ts": "2024-05-02 11:30:00" if sqlite else "2024-05-02 11:30:00", "p": "second", "cached": 1}])
        conn.execute(sa.text("INSERT INTO response_cache (key, response, provider, model, input_tokens,"
                             " output_tokens, cost_usd, baseline_cost_usd, created_at, hit_count, saved_usd)"
                             " VALUES ('k1', 'cached text', 'groq', 'llama', 5, 6, 0.001, 0.01, :c, 3, 0.03)"),
                     {"c": "2024-05-01 10:00:00"})
        conn.exec_driver_sql("INSERT INTO agent_catalog VALUES ('mine', 'My agent', 'custom', 'Be mine.')")
    engine.dispose()

    s = Store(db_url)
    try:
        assert s.schema_version() == SCHEMA_VERSION
        df, total = s.list_interactions()
        assert total == 2 and list(df["prompt"]) == ["second", "first"]  # newest first after ts normalising
        first = s.get_interaction(int(df["id"].iloc[1]))
        assert first["ts"] == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
        assert first["reasons"] == ["short"] and first["attempts"] == [] and first["feedback"] == 0
        assert first["ttft_ms"] is None and first["cached_input_tokens"] == 0 and first["simulated"] is False
        assert s.get_interaction(int(df["id"].iloc[0]))["cached"] is True
        assert s.list_interactions(since=datetime(2024, 5, 2, tzinfo=timezone.utc))[1] == 1
        # the agents that were there are kept, and not mixed with the seed
        assert [a.code for a in s.list_agents()] == ["mine"]
        # new rows and features work on the migrated schema
        new_id = s.log_interaction(rec())
        s.set_feedback(new_id, 1)
        assert s.get_interaction(new_id)["feedback"] == 1
        with s.engine.connect() as conn:
            cache = conn.execute(sa.text("SELECT key, hit_count, saved_usd, expires_at FROM response_cache")).one()
        assert cache[0] == "k1" and cache[1] == 3 and cache[2] == pytest.approx(0.03)
        assert to_db_time(cache[3]) == datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)  # created_at + 1 day
        cols = {c["name"] for c in sa.inspect(s.engine).get_columns("interaction_logs")}
        assert {"ttft_ms", "cached_input_tokens", "reasoning_tokens", "attempts", "feedback", "simulated"} <= cols
        indexes = {ix["name"] for ix in sa.inspect(s.engine).get_indexes("interaction_logs")}
        assert {"ix_interaction_logs_ts", "ix_interaction_logs_org_ts", "ix_interaction_logs_agent_ts"} <= indexes
        assert {"health_checks", "routing_policies", "comparisons", "comparison_results", "schema_meta",
                "attempt_logs"} <= set(sa.inspect(s.engine).get_table_names())
        # the v1 rows had no trail: the non-cached one counts as one attempt of its provider, the hit as none
        assert attempts_of(s) == [("groq", "llama", "ok", None, 150.0, None), *attempts_of(s, new_id)]
    finally:
        s.close()
    again = Store(db_url)  # opening a current database again is a no-op
    assert again.list_interactions()[1] == 3
    again.close()


def test_migration_from_v2_backfills_attempts_in_chunks(db_url, monkeypatch):
    from router_core import analytics as A
    from router_core.types import Attempt

    def trail(*attempts: Attempt) -> str:
        return json.dumps([a.__dict__ for a in attempts])

    # A v2 database: today's tables without attempt_logs, schema_version 2, trails only in the JSON column.
    s = Store(db_url)
    rows = [  # (provider, status, cached, latency, attempts JSON)
        ("B", "ok", False, 700.0, trail(Attempt("C", "m", "skipped", "no key"),
                                        Attempt("A", "m", "error", "503", 503, 100.0, True),
                                        Attempt("A", "m", "error", "t/o", None, 200.0, True),
                                        Attempt("B", "m", "ok", latency_ms=650.0))),
        (None, "error", False, 900.0, trail(Attempt("A", "m", "error", "500", 500, 50.0, False),
                                            Attempt("B", "m", "error", "429", 429, 60.0, True))),
        ("B", "ok", True, 2.0, "[]"),  # cache hit
        ("A", "ok", False, 300.0, "[]"),  # no trail (older row): one attempt
        ("A", "ok", False, 310.0, "not json"),  # unreadable trail: kept, counted like no trail
        ("B", "ok", False, 400.0, trail(Attempt("B", "m", "ok", latency_ms=390.0))),
        (None, "error", False, 5.0, "[]"),  # nobody was available
    ]
    with s.engine.begin() as conn:
        conn.execute(T_LOG.insert(), [
            {"ts": T0 + timedelta(minutes=i), "org": "acme" if i % 2 else "globex", "provider": p, "model": p and "m",
             "status": st, "cached": c, "latency_ms": ms, "attempts": js, "prompt": f"row {i}"}
            for i, (p, st, c, ms, js) in enumerate(rows)])
        conn.exec_driver_sql("DROP TABLE attempt_logs")
        conn.exec_driver_sql("CREATE INDEX ix_interaction_logs_provider_latency ON interaction_logs"
                             " (provider, status, cached, latency_ms, ts, org, agent)")  # v2 had it
        conn.execute(sa.text("UPDATE schema_meta SET value = '2' WHERE key = 'schema_version'"))
        conn.exec_driver_sql("DROP TABLE alembic_version")  # written before Alembic
    s.close()

    chunks: list[str] = []

    def count_chunks(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.startswith("SELECT id, ts, provider"):
            chunks.append(statement)

    monkeypatch.setattr(steps, "BACKFILL_CHUNK", 3)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count_chunks)
    try:
        s = Store(db_url)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count_chunks)
    try:
        assert s.schema_version() == SCHEMA_VERSION
        assert len(chunks) == 4  # 7 interactions, 3 at a time, then the empty read that ends it
        assert s.list_interactions()[1] == len(rows)  # every row kept
        assert attempts_of(s) == [("A", "m", "error", 503, 100.0, True), ("A", "m", "error", None, 200.0, True),
                                  ("B", "m", "ok", None, 650.0, None),
                                  ("A", "m", "error", 500, 50.0, False), ("B", "m", "error", 429, 60.0, True),
                                  ("A", "m", "ok", None, 300.0, None), ("A", "m", "ok", None, 310.0, None),
                                  ("B", "m", "ok", None, 390.0, None)]
        with s.engine.connect() as conn:  # each attempt carries its interaction's ts
            pairs = conn.execute(sa.select(T_ATTEMPT.c.ts, T_LOG.c.ts).select_from(
                T_ATTEMPT.join(T_LOG, T_LOG.c.id == T_ATTEMPT.c.interaction_id))).all()
        assert len(pairs) == 8 and all(a == b for a, b in pairs)
        indexes = {ix["name"] for ix in sa.inspect(s.engine).get_indexes("attempt_logs")}
        assert indexes == ({"ix_attempt_logs_interaction", "ix_attempt_logs_provider_ts",
                            "ix_attempt_logs_provider_latency", "ix_attempt_logs_org", "ix_attempt_logs_agent"}
                           if s.dialect == "sqlite" else
                           {"ix_attempt_logs_interaction", "ix_attempt_logs_ts_provider"})  # see AttemptLog
        with s.engine.connect() as conn:  # ... and its org / agent (v4)
            scoped = conn.execute(sa.select(T_ATTEMPT.c.org, T_LOG.c.org, T_ATTEMPT.c.agent, T_LOG.c.agent)
                                  .select_from(T_ATTEMPT.join(T_LOG, T_LOG.c.id == T_ATTEMPT.c.interaction_id))).all()
        assert all(ao == lo and aa == la for ao, lo, aa, la in scoped) and {r[0] for r in scoped} == {"acme", "globex"}
        log_indexes = {ix["name"] for ix in sa.inspect(s.engine).get_indexes("interaction_logs")}
        assert "ix_interaction_logs_provider_latency" not in log_indexes  # no query reads it any more
        assert {ix.name for ix in T_LOG.indexes} <= log_indexes
        window = dict(since=T0, until=T0 + timedelta(hours=1))
        err = A.error_rate_by_provider(s, **window)
        assert dict(zip(err["provider"], zip(err["attempts"], err["errors"]))) == {"A": (5, 3), "B": (3, 1)}
        lat = A.latency_by_provider(s, **window)
        assert dict(zip(lat["provider"], lat["requests"])) == {"A": 2, "B": 2}
        new_id = s.log_interaction(rec(attempts=[Attempt("groq", "llama", "ok", latency_ms=5.0).__dict__]))
        assert attempts_of(s, new_id) == [("groq", "llama", "ok", None, 5.0, None)]
    finally:
        s.close()
    again = Store(db_url)  # current now: nothing is backfilled twice
    assert len(attempts_of(again)) == 9
    again.close()


def test_migration_from_v3_copies_org_and_agent_in_chunks(db_url, monkeypatch):
    from router_core import analytics as A
    from router_core.types import Attempt

    s = Store(db_url)
    for i in range(7):
        s.log_interaction(rec(ts=T0 + timedelta(minutes=i), org=None if i == 6 else ("acme", "globex")[i % 2],
                              agent=None if i >= 5 else ("coder", "support", None)[i % 3],
                              attempts=[Attempt("A", "m", "error", "503", 503, 10.0 + i, True).__dict__,
                                        Attempt("B", "m", "ok", latency_ms=100.0 + i).__dict__]))
    with s.engine.begin() as conn:  # back to v3: attempt_logs without org / agent (and v3's indexes)
        for ix in ("ix_attempt_logs_org", "ix_attempt_logs_agent", "ix_attempt_logs_ts_provider"):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {ix}")
        for col in ("org", "agent"):
            conn.exec_driver_sql(f"ALTER TABLE attempt_logs DROP COLUMN {col}")
        if s.dialect != "sqlite":
            conn.exec_driver_sql("CREATE INDEX ix_attempt_logs_ts_provider ON attempt_logs"
                                 " (ts, provider, outcome, latency_ms, interaction_id)")
        conn.execute(sa.text("UPDATE schema_meta SET value = '3' WHERE key = 'schema_version'"))
        conn.exec_driver_sql("DROP TABLE alembic_version")  # written before Alembic
    before = attempts_of(s)
    s.close()

    updates: list[str] = []

    def count_updates(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE ATTEMPT_LOGS"):
            updates.append(statement)

    monkeypatch.setattr(steps, "SCOPE_CHUNK", 4)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count_updates)
    try:
        s = Store(db_url)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count_updates)
    try:
        assert s.schema_version() == SCHEMA_VERSION == 12
        assert len(updates) == 4  # 14 attempts, 4 ids per UPDATE ... FROM
        assert attempts_of(s) == before  # nothing else changed
        with s.engine.connect() as conn:
            scoped = conn.execute(sa.select(T_ATTEMPT.c.org, T_LOG.c.org, T_ATTEMPT.c.agent, T_LOG.c.agent)
                                  .select_from(T_ATTEMPT.join(T_LOG, T_LOG.c.id == T_ATTEMPT.c.interaction_id))).all()
        assert len(scoped) == 14 and all(ao == lo and aa == la for ao, lo, aa, la in scoped)
        assert {(r[0], r[2]) for r in scoped} == {("acme", "coder"), ("globex", "support"), ("acme", None),
                                                  ("globex", "coder"), ("acme", "support"), ("globex", None),
                                                  (None, None)}
        indexes = {ix["name"] for ix in sa.inspect(s.engine).get_indexes("attempt_logs")}
        assert {ix.name for ix in T_ATTEMPT.indexes if ix.info["sqlite"] in (None, s.dialect == "sqlite")} == indexes
        if s.dialect != "sqlite":  # rebuilt with org / agent (and simulated, v11)
            cols = next(ix["column_names"] for ix in sa.inspect(s.engine).get_indexes("attempt_logs")
                        if ix["name"] == "ix_attempt_logs_ts_provider")
            assert cols == ["ts", "provider", "outcome", "latency_ms", "org", "agent", "simulated"]
        window = dict(since=T0, until=T0 + timedelta(hours=1))
        err = A.error_rate_by_provider(s, **window, org="acme")  # rows 0, 2, 4
        assert dict(zip(err["provider"], zip(err["attempts"], err["errors"]))) == {"A": (3, 3), "B": (3, 0)}
        lat = A.latency_by_provider(s, **window, agent="coder")  # rows 0, 3
        assert dict(zip(lat["provider"], zip(lat["requests"], lat["p95_ms"]))) == {"B": (2, 103.0)}
    finally:
        s.close()


def test_newer_schema_is_refused(store):
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(StoreError, match="newer"):
        Store(store.database_url)


# -------------------------------------------------------------------------------------- concurrency


def test_200_concurrent_writers_log_every_row_once(store):
    def write(i: int) -> int:
        return store.log_interaction(rec(prompt=f"concurrent {i}", session_id=f"s{i}"))

    with ThreadPoolExecutor(max_workers=64) as pool:
        ids = list(pool.map(write, range(200)))
    assert len(set(ids)) == 200
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT prompt, count(*) FROM interaction_logs GROUP BY prompt")).fetchall()
        n = conn.execute(sa.text("SELECT count(*), count(DISTINCT id) FROM interaction_logs")).one()
    assert n == (200, 200)
    assert sorted(p for p, _ in rows) == sorted(f"concurrent {i}" for i in range(200))
    assert all(c == 1 for _, c in rows)


def test_two_instances_open_a_fresh_database_at_once(db_url):
    stores = open_stores_at_once(db_url, 4)
    assert len(stores[0].list_agents()) == 5  # seeded once
    for s in stores:
        s.close()


def test_busy_sqlite_is_retried_then_reported(tmp_path):
    path = tmp_path / "busy.db"
    s = Store(f"sqlite:///{path}", busy_timeout_ms=50, log_retries=6)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # hold the write lock
    release = threading.Timer(0.3, lambda: blocker.execute("COMMIT"))
    release.start()
    t = time.perf_counter()
    iid = s.log_interaction(rec())  # waits out the lock through busy_timeout + retries
    assert iid and time.perf_counter() - t >= 0.2
    release.join()

    quick = Store(f"sqlite:///{path}", busy_timeout_ms=20, log_retries=1)
    blocker.execute("BEGIN IMMEDIATE")
    assert Store(f"sqlite:///{path}", busy_timeout_ms=20).schema_version() == SCHEMA_VERSION  # no lock needed
    with pytest.raises(StoreError, match="could not log the interaction.*locked"):
        quick.log_interaction(rec())
    blocker.execute("COMMIT")
    blocker.close()
    assert s.list_interactions()[1] == 1
    s.close()
    quick.close()


def test_urls():
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_errors_never_show_the_password(tmp_path):
    with pytest.raises(StoreError) as info:
        Store("postgresql://switchboard:s3cret-pw@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in str(info.value) and "***" in str(info.value)


def test_sqlite_is_wal_and_creates_the_folder(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'deep' / 'dir' / 'r.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    s.close()


def test_in_memory_sqlite_works_across_threads():
    s = Store("sqlite://")
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda i: s.log_interaction(rec(prompt=str(i))), range(20)))
    assert len(set(ids)) == 20 and s.list_interactions()[1] == 20
