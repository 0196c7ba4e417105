"""Every released schema is migrated to the current one when a Store opens, keeping every row.

Each database is built from SQL that the release itself wrote (tests/fixtures/legacy/, dumped from the old
store.py by generate.py there; v1 from the seed's DDL): no old code is imported here. Runs on SQLite, and on
PostgreSQL too when TEST_POSTGRES_URL is set (see pg.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pg import BACKENDS, db_url, fresh_database, open_stores_at_once  # noqa: F401  (db_url: a fixture)

from router_core import analytics as A
from router_core.store import SCHEMA_VERSION, InteractionRecord, Store, normalize_url, to_db_time
from router_core.store.codec import loads_list
from router_core.store.records import attempt_rows
from router_core.store.schema import HEAD_REVISION, MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures" / "legacy"
RELEASES = ["v1", "v2-early", "v2", "v3", "v4"]
TIME_COLUMNS = {"ts", "created_at", "expires_at", "last_hit_at", "updated_at", "voted_at"}
BOOL_COLUMNS = {"cached", "simulated", "active", "reachable", "retryable"}
PRIMARY_KEYS = {"response_cache": "key", "agent_catalog": "code", "routing_policies": "name", "schema_meta": "key"}
# v1 left these NULL; v2 made them NOT NULL with these values (the only values a migration changes)
V1_FILLED = {"messages_json": "[]", "reasons": "[]", "score": 0.0, "input_tokens": 0, "output_tokens": 0,
             "latency_ms": 0.0, "complexity": "", "status": "ok", "prompt": ""}
EVERYWHERE = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(params=[(kind, release) for kind in BACKENDS for release in RELEASES],
                ids=lambda p: f"{p[0]}-{p[1]}")
def legacy(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(URL of a database that `release` wrote, release)."""
    kind, release = request.param
    for url in fresh_database(kind, tmp_path):
        load(url, release)
        yield url, release


def load(url: str, release: str) -> None:
    engine = sa.create_engine(normalize_url(url))
    sql = (FIXTURES / f"{release}.{engine.dialect.name}.sql").read_text()
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.driver_connection.executescript(sql)
        else:
            raw.cursor().execute(sql)
            raw.commit()
    finally:
        raw.close()
        engine.dispose()


def snapshot(url: str) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every table, keyed by primary key, values as stored (read without our types)."""
    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            out = {}
            for table in sa.inspect(conn).get_table_names():
                if table == "alembic_version":
                    continue
                pk = PRIMARY_KEYS.get(table, "id")
                rows = conn.exec_driver_sql(f"SELECT * FROM {table}").mappings().all()
                out[table] = {row[pk]: dict(row) for row in rows}
            return out
    finally:
        engine.dispose()


def same(table: str, column: str, before: Any, after: Any) -> bool:
    if before is None and table == "interaction_logs" and column in V1_FILLED:
        return after == V1_FILLED[column]
    if column in TIME_COLUMNS and before is not None:
        parse = to_db_time(float(before)) if isinstance(before, (int, float)) else to_db_time(before)
        return parse == to_db_time(after)
    if column in BOOL_COLUMNS and before is not None:
        return bool(int(before) if isinstance(before, str) else before) == bool(after)
    if isinstance(before, float) and after is not None:
        return after == pytest.approx(before, rel=1e-6)
    return before == after


def shape(url: str) -> dict[str, tuple[set[str], dict[str, list[str]]]]:
    """Per table: its column names and {index name: columns}."""
    engine = sa.create_engine(normalize_url(url))
    try:
        insp = sa.inspect(engine)
        return {t: ({c["name"] for c in insp.get_columns(t)},
                    {ix["name"]: ix["column_names"] for ix in insp.get_indexes(t)})
                for t in insp.get_table_names()}
    finally:
        engine.dispose()


def test_a_released_database_migrates_keeping_every_row(legacy, tmp_path):
    url, release = legacy
    before = snapshot(url)
    assert "alembic_version" not in shape(url)  # written before Alembic
    s = Store(url)
    try:
        assert s.schema_version() == SCHEMA_VERSION
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [HEAD_REVISION]
        after = snapshot(url)
        for table, rows in before.items():
            if table == "schema_meta":
                continue
            assert set(after[table]) == set(rows), f"{table}: rows lost or added"
            for key, row in rows.items():
                changed = [c for c, v in row.items() if not same(table, c, v, after[table][key][c])]
                assert not changed, f"{table} {key!r}: {changed} changed: {row} -> {after[table][key]}"
        check_attempts(after)
        assert all(row["source"] is None for row in after["interaction_logs"].values())  # v5: added, NULL
        assert {"gateway_keys", "gateway_budget_windows", "gateway_rate_buckets"} <= set(after)  # v5: created
        assert {"eval_runs", "eval_items", "quality_verdicts"} <= set(after)  # v6: created
        assert {"experiments", "experiment_cells"} <= set(after)  # v9: created
        versions = {(v["agent"], v["version"]): v["system_prompt"] for v in after["agent_versions"].values()}
        assert versions == {(code, 1): a["system_prompt"] for code, a in before["agent_catalog"].items()}  # v8
        kind = s.dialect
        for fresh_url in fresh_database(kind, tmp_path):
            Store(fresh_url).close()
            assert shape(url) == shape(fresh_url)  # exactly the schema a new database gets
        check_still_works(s, before, release)
    finally:
        s.close()
    again = Store(url)  # current now: opening it again changes nothing
    assert again.list_interactions()[1] == len(before["interaction_logs"]) + 1
    again.close()


def check_attempts(after: dict[str, dict[Any, dict[str, Any]]]) -> None:
    """attempt_logs holds exactly each interaction's attempts, with its ts, org and agent, simulated when the
    interaction is and the attempt is its own provider's (v11's backfill)."""
    expected = []
    for iid, row in sorted(after["interaction_logs"].items()):
        for a in attempt_rows(loads_list(row["attempts"]), provider=row["provider"], model=row["model"],
                              status=row["status"], latency_ms=row["latency_ms"], cached=bool(row["cached"]),
                              org=row["org"], agent=row["agent"], simulated=bool(row["simulated"])):
            expected.append((iid, to_db_time(row["ts"]), a["provider"], a["model"], a["outcome"], a["status"],
                             a["latency_ms"], a["retryable"], a["org"], a["agent"], a["simulated"]))
    got = [(a["interaction_id"], to_db_time(a["ts"]), a["provider"], a["model"], a["outcome"], a["status"],
            a["latency_ms"], None if a["retryable"] is None else bool(a["retryable"]), a["org"], a["agent"],
            bool(a["simulated"])) for _, a in sorted(after["attempt_logs"].items())]
    assert got == expected and got


def check_still_works(s: Store, before: dict, release: str) -> None:
    n = len(before["interaction_logs"])
    assert A.kpis(s, since=EVERYWHERE[0], until=EVERYWHERE[1])["requests"] == n
    errors = A.error_rate_by_provider(s, since=EVERYWHERE[0], until=EVERYWHERE[1], org="acme")
    assert errors["attempts"].sum() > 0
    new_id = s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="after the migration", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[]))
    s.set_feedback(new_id, 1)
    assert s.get_interaction(new_id)["feedback"] == 1
    codes = {a.code for a in s.list_agents()}
    if release == "v1":
        assert codes == {"mine"}  # the agents that were there, not mixed with the seed
        assert s.list_policies() == []
        return
    assert codes == {"support", "coder", "analyst", "writer", "tutor", "lawyer"}
    assert s.get_agent("coder").system_prompt == "Write Rust."
    assert s.active_policy() == ("cheap", {"SIMPLE": ["groq:llama"]}) and s.list_policies() == ["cheap", "quality"]
    assert list(s.health_history(EVERYWHERE[0])["provider"]) == ["groq", "openai"]
    comparisons = s.list_comparisons()
    assert list(comparisons["is_winner"]) == [True, False]


def test_v1_values_are_normalised(db_url):
    load(db_url, "v1")
    s = Store(db_url)
    try:
        df, total = s.list_interactions()
        assert total == 4 and list(df["prompt"]) == ["fourth", "second", "third", "first"]  # newest first
        first = s.get_interaction(int(df["id"].iloc[3]))
        assert first["ts"] == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
        assert first["reasons"] == ["short"] and first["attempts"] == [] and first["simulated"] is False
        assert s.get_interaction(int(df["id"].iloc[2]))["ts"] == datetime(2024, 5, 2, 11, 0, tzinfo=timezone.utc)
        assert s.get_interaction(int(df["id"].iloc[1]))["cached"] is True
        assert s.list_interactions(since=datetime(2024, 5, 2, 11, 15, tzinfo=timezone.utc))[1] == 2
        with s.engine.connect() as conn:
            expiry = dict(conn.exec_driver_sql("SELECT key, expires_at FROM response_cache").all())
        assert to_db_time(expiry["k1"]) == datetime(2024, 5, 2, 10, 0, tzinfo=timezone.utc)  # created_at + 1 day
        assert to_db_time(expiry["k2"]) == datetime(2024, 5, 3, 8, 0, tzinfo=timezone.utc)
        if s.dialect == "sqlite":  # stored canonically, so text comparison and strftime buckets agree
            with s.engine.connect() as conn:
                raw = conn.exec_driver_sql("SELECT ts FROM interaction_logs ORDER BY id").scalars().all()
            assert raw == ["2024-05-01 10:00:00.123456", "2024-05-02 11:30:00.000000", "2024-05-02 11:00:00.000000",
                           "2024-05-03 10:00:00.000000"]
    finally:
        s.close()


def test_instances_opening_a_released_database_at_once_migrate_it_once(db_url):
    load(db_url, "v2")
    stores = open_stores_at_once(db_url, 4)
    with stores[0].engine.connect() as conn:
        attempts = conn.exec_driver_sql("SELECT count(*) FROM attempt_logs").scalar()
        versions = conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar()
    assert attempts == 11 and versions == 1  # backfilled once: 10 interactions, the cache hit tried nobody
    for s in stores:
        s.close()


def test_an_unknown_revision_is_newer_than_this_code(db_url):
    Store(db_url).close()
    engine = sa.create_engine(normalize_url(db_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    from router_core.store import StoreError

    with pytest.raises(StoreError, match="revision 9999, newer than this code"):
        Store(db_url)


def test_head_revision_is_the_newest_script():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [HEAD_REVISION]
    assert [r.revision for r in script.walk_revisions()] == ["0011", "0010", "0009", "0008", "0007", "0006", "0005",
                                                            "0004", "0003", "0002", "0001"]


def test_a_read_only_current_database_opens_without_writing(tmp_path):
    path = tmp_path / "ro.db"
    Store(f"sqlite:///{path}").close()
    mtime = path.stat().st_mtime_ns
    s = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert s.schema_version() == SCHEMA_VERSION and len(s.list_agents()) == 5
    s.close()
    assert path.stat().st_mtime_ns == mtime


def test_a_v5_database_gets_the_evaluation_tables_keeping_its_rows(db_url, tmp_path):
    """v5 (revision 0004) is v6 without eval_runs, eval_items and quality_verdicts: build it from the current
    schema by removing exactly those, then open it."""
    s = Store(db_url)
    iid = s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="a v5 row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="gateway"))
    with s.engine.begin() as conn:
        for table in ("quality_verdicts", "eval_items", "eval_runs"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0004'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '5' WHERE key = 'schema_version'")
    s.close()
    assert not {"eval_runs", "eval_items", "quality_verdicts"} & set(shape(db_url))
    before = snapshot(db_url)
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION
        with migrated.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [HEAD_REVISION]
        after = snapshot(db_url)
        assert after["interaction_logs"] == before["interaction_logs"] and iid in after["interaction_logs"]
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
        run_id = migrated.create_eval_run(prompts=[{"prompt": "hi"}], prompt_source="t", policy="p",
                                          baseline="a:b", judge="c:d")
        assert migrated.get_eval_run(run_id)["status"] == "running"
    finally:
        migrated.close()


def test_a_v6_database_gets_source_in_its_analytics_indexes(db_url, tmp_path):
    """v6 (revision 0005) had the dashboards' covering indexes without `source`: rebuild them that way, then
    open the database and find them rebuilt with it, rows kept, the same shape as a fresh database."""
    from router_core.store.tables import ANALYTICS_COLUMNS, T_LOG

    s = Store(db_url)
    s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="a v6 row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="api"))
    covering = [ix for ix in T_LOG.indexes if "source" in [c.name for c in ix.columns]]
    assert covering, "the analytics indexes carry source"
    with s.engine.begin() as conn:
        for ix in covering:
            old = [c.name for c in ix.columns if c.name != "source"]
            conn.exec_driver_sql(f"DROP INDEX {ix.name}")
            conn.exec_driver_sql(f"CREATE INDEX {ix.name} ON interaction_logs ({', '.join(old)})")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '6' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION and "source" in ANALYTICS_COLUMNS
        with migrated.engine.connect() as conn:
            indexes = {ix["name"]: ix["column_names"] for ix in sa.inspect(conn).get_indexes("interaction_logs")}
        for ix in covering:
            assert indexes[ix.name] == [c.name for c in ix.columns]
        assert snapshot(db_url)["interaction_logs"] == before["interaction_logs"]
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
    finally:
        migrated.close()


def test_a_v7_database_gets_agent_versions_keeping_its_agents_and_log(db_url, tmp_path):
    """v7 (revision 0006) had agents without versions or an archived flag, and no interaction_logs.agent_version:
    build it from the current schema by removing exactly those, then open it: every agent is its version 1."""
    s = Store(db_url)
    s.save_agent({"code": "lawyer", "name": "Lawyer", "role": "Legal", "system_prompt": "Be careful."})
    iid = s.log_interaction(InteractionRecord(
        org="acme", agent="lawyer", session_id=None, prompt="a v7 row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="api"))
    with s.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE agent_versions")
        conn.exec_driver_sql("ALTER TABLE agent_catalog DROP COLUMN archived")
        for index in ("ix_interaction_logs_latency", "ix_interaction_logs_feedback"):  # v12's cover agent_version
            conn.exec_driver_sql(f"DROP INDEX {index}")
        conn.exec_driver_sql("ALTER TABLE interaction_logs DROP COLUMN agent_version")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0006'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '7' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    assert "agent_versions" not in before and "archived" not in before["agent_catalog"]["lawyer"]
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 12
        after = snapshot(db_url)
        for table in ("agent_catalog", "interaction_logs"):
            assert set(after[table]) == set(before[table])
            for key, row in before[table].items():
                assert {c: after[table][key][c] for c in row} == row
        assert after["interaction_logs"][iid]["agent_version"] is None  # not recorded before v8
        assert not any(bool(a["archived"]) for a in after["agent_catalog"].values())
        lawyer = migrated.list_agent_versions("lawyer")
        assert [(v.version, v.system_prompt) for v in lawyer] == [(1, "Be careful.")]
        assert {a.code for a in migrated.list_agents()} == {v["agent"] for v in after["agent_versions"].values()}
        assert migrated.save_agent({"code": "lawyer", "name": "Lawyer", "system_prompt": "Cite the law."},
                                   note="stricter") == 2
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
    finally:
        migrated.close()


def test_a_v8_database_gets_the_experiment_tables_keeping_its_rows(db_url, tmp_path):
    """v8 (revision 0007) is the current schema without experiments, experiment_cells, outcomes and
    learned_routers: build it by removing exactly those, then open it: rows kept, the tables created, the same
    shape as a fresh database."""
    s = Store(db_url)
    s.save_agent({"code": "lawyer", "name": "Lawyer", "role": "Legal", "system_prompt": "Be careful."})
    iid = s.log_interaction(InteractionRecord(
        org="acme", agent="lawyer", session_id=None, prompt="a v8 row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="api", agent_version=2))
    with s.engine.begin() as conn:
        for table in ("experiment_cells", "experiments", "outcomes", "learned_routers", "interaction_summary"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0007'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '8' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    assert not {"experiments", "experiment_cells"} & set(before)
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 12
        with migrated.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [HEAD_REVISION]
        after = snapshot(db_url)
        for table, rows in before.items():
            assert table == "schema_meta" or after[table] == rows, f"{table} changed"
        assert after["interaction_logs"][iid]["agent_version"] == 2
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
        eid = migrated.create_experiment(dataset="t", inputs=[{"vars": {"q": "hi"}, "expected": None}],
                                         variants=[{"label": "a"}], targets=[{"label": "auto"}], scorers=[],
                                         policy="p")
        migrated.save_experiment_cell(eid, 0, "a", "auto", answer="ok", cost_usd=0.5)
        migrated.save_experiment_scores(eid, 0, "a", "auto", score=1.0, score_detail={"exact": {"score": 1.0}},
                                        judge_cost_usd=0.25)
        assert migrated.experiment_spent(eid) == 0.75
        assert migrated.experiment_cells(eid)[0]["score_detail"] == {"exact": {"score": 1.0}}
    finally:
        migrated.close()


def test_a_v9_database_gets_the_outcome_tables_keeping_its_log(db_url, tmp_path):
    """v9 (revision 0008) had no outcomes or learned_routers: build it from the current schema by dropping them,
    then open it: both tables exist (empty, usable), the log is untouched, and the shape equals a fresh one."""
    s = Store(db_url)
    iid = s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="a v9 row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="api"))
    with s.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE outcomes")
        conn.exec_driver_sql("DROP TABLE learned_routers")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0008'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '9' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    assert "outcomes" not in before and "learned_routers" not in before
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 12
        after = snapshot(db_url)
        assert after["interaction_logs"] == before["interaction_logs"] and iid in after["interaction_logs"]
        assert after["outcomes"] == {} and after["learned_routers"] == {}
        assert migrated.add_outcomes([{"source": "thumbs", "link": "thumbs:1", "prompt": "p", "good": False,
                                       "strong_wins": True}]) == 1
        assert migrated.save_learned_router({"format": "x"}, n=1, sources=["thumbs"]) == 1
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
    finally:
        migrated.close()


def test_a_v10_database_gets_simulated_checks_and_attempts_backfilled(db_url, tmp_path):
    """v10 (revision 0009) had no health_checks.simulated or attempt_logs.simulated, and per-provider attempt
    indexes without it: build it from the current schema by removing exactly those, then open it. The attempt
    of a simulated interaction's own provider is marked simulated; the one that failed before it, every real
    one and every older check stay real; rows kept; the same shape as a fresh database; live figures work."""
    from router_core.store.tables import T_ATTEMPT

    s = Store(db_url)
    sim = s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="a demo row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, simulated=True,
        attempts=[{"provider": "openai", "model": "gpt", "outcome": "error", "latency_ms": 3.0},
                  {"provider": "groq", "model": "llama", "outcome": "ok", "latency_ms": 2.0}]))
    real = s.log_interaction(InteractionRecord(
        org="acme", agent=None, session_id=None, prompt="a live row", messages_json="[]", response="ok",
        complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1, output_tokens=1,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001, latency_ms=5.0,
        ttft_ms=None, cached=False, status="ok", error=None, attempts=[]))
    s.record_health("groq", True, 4.0, "3 models", simulated=True)
    changed = [ix for ix in T_ATTEMPT.indexes if "simulated" in [c.name for c in ix.columns]]
    assert changed, "the per-provider attempt indexes carry simulated"
    with s.engine.begin() as conn:
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("attempt_logs")}
        for ix in changed:
            if ix.name in names:  # this database's (SQLite and PostgreSQL have different ones)
                old = [c.name for c in ix.columns if c.name != "simulated"]
                conn.exec_driver_sql(f"DROP INDEX {ix.name}")
                conn.exec_driver_sql(f"CREATE INDEX {ix.name} ON attempt_logs ({', '.join(old)})")
        conn.exec_driver_sql("ALTER TABLE attempt_logs DROP COLUMN simulated")
        conn.exec_driver_sql("ALTER TABLE health_checks DROP COLUMN simulated")
        conn.exec_driver_sql("DROP TABLE interaction_summary")
        conn.exec_driver_sql("DROP INDEX ix_interaction_logs_feedback")
        conn.exec_driver_sql("DROP INDEX ix_interaction_logs_latency")
        conn.exec_driver_sql("CREATE INDEX ix_interaction_logs_latency ON interaction_logs "
                             "(status, latency_ms, ts, org, agent)")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '10' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    assert "simulated" not in next(iter(before["attempt_logs"].values()))
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 12
        with migrated.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [HEAD_REVISION]
        after = snapshot(db_url)
        for table, rows in before.items():
            if table != "schema_meta":
                assert {k: {c: r[c] for c in rows[k]} for k, r in after[table].items()} == rows, f"{table} changed"
        marked = {(a["interaction_id"], a["provider"]): bool(a["simulated"]) for a in after["attempt_logs"].values()}
        assert marked == {(sim, "openai"): False, (sim, "groq"): True, (real, "groq"): False}
        assert [bool(h["simulated"]) for h in after["health_checks"].values()] == [False]  # older checks: real
        live = A.error_rate_by_provider(migrated, since=EVERYWHERE[0], until=EVERYWHERE[1], simulated=False)
        assert dict(zip(live["provider"], live["attempts"])) == {"openai": 1, "groq": 1}
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
        migrated.record_health("groq", True, 4.0, "3 models", simulated=True)  # the new columns take writes
        assert list(migrated.health_history(EVERYWHERE[0], simulated=True)["provider"]) == ["groq"]
    finally:
        migrated.close()


def test_a_v11_database_gets_its_log_summed_up_per_day(db_url, tmp_path):
    """v11 (revision 0010) had no interaction_summary and narrower latency / no feedback indexes: build it from the
    current schema, then open it: the summary holds the whole log (the Savings figures from it equal the raw log's),
    the indexes are v12's, the log is untouched and new requests keep adding to the summary."""
    from datetime import datetime, timedelta, timezone

    from router_core import analytics

    day = datetime(2026, 3, 2, tzinfo=timezone.utc)
    s = Store(db_url)
    for i, (org, cost, cached, status) in enumerate([("acme", 0.25, False, "ok"), (None, None, False, "ok"),
                                                     ("acme", 0.0, True, "ok"), ("globex", 0.5, False, "error")]):
        s.log_interaction(InteractionRecord(
            org=org, agent=None, session_id=None, prompt=f"a v10 row {i}", messages_json="[]", response="ok",
            complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=10 + i,
            output_tokens=1, cached_input_tokens=0, reasoning_tokens=0, cost_usd=cost, baseline_cost_usd=0.5,
            latency_ms=5.0 * i, ttft_ms=None, cached=cached, status=status, error=None, attempts=[], source="api",
            ts=day + timedelta(hours=i * 10)))
    with s.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE interaction_summary")
        conn.exec_driver_sql("DROP INDEX ix_interaction_logs_feedback")
        conn.exec_driver_sql("DROP INDEX ix_interaction_logs_latency")
        conn.exec_driver_sql("CREATE INDEX ix_interaction_logs_latency ON interaction_logs "
                             "(status, latency_ms, ts, org, agent)")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0010'")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '11' WHERE key = 'schema_version'")
    s.close()
    before = snapshot(db_url)
    assert "interaction_summary" not in before
    migrated = Store(db_url)
    try:
        assert migrated.schema_version() == SCHEMA_VERSION == 12
        after = snapshot(db_url)
        assert after["interaction_logs"] == before["interaction_logs"]
        assert len(after["interaction_summary"]) == 4  # the rows differ in org, cost, cached or status
        window = dict(since=day, until=day + timedelta(days=2), sources=None)
        assert analytics.kpis(migrated, **window) == analytics.kpis(migrated, **window, summary=False)
        assert analytics.kpis(migrated, **window)["requests"] == 4
        migrated.log_interaction(InteractionRecord(
            org="acme", agent=None, session_id=None, prompt="a v12 row", messages_json="[]", response="ok",
            complexity="SIMPLE", score=0.1, reasons=[], provider="groq", model="llama", input_tokens=1,
            output_tokens=1, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.25, baseline_cost_usd=0.5,
            latency_ms=1.0, ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source="api",
            ts=day + timedelta(hours=1)))
        k = analytics.kpis(migrated, **window)
        assert k["requests"] == 5 and k["spend_usd"] == 1.0 and k == analytics.kpis(migrated, **window,
                                                                                           summary=False)
        for fresh_url in fresh_database(migrated.dialect, tmp_path):
            Store(fresh_url).close()
            assert shape(db_url) == shape(fresh_url)
    finally:
        migrated.close()
