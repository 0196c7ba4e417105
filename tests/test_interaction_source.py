"""Every logged interaction can say where it came from (`source`), and a v4 database gains the column."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from conftest import run
from routerkit import logged_rows, make_router, openai_ok
from router_core.store import SCHEMA_VERSION, T_LOG, Store


def test_acomplete_and_astream_record_their_source(tmp_path, cheap, premium):
    cheap.default(json=openai_ok("hello"))
    router = make_router(tmp_path, cheap.url, premium.url)
    run(router.acomplete("Hi", source="gateway", use_cache=False))
    run(router.acomplete("Hi again", use_cache=False))
    assert [r["source"] for r in logged_rows(tmp_path)] == ["gateway", None]
    router.close()


def test_a_v4_database_gets_the_source_column_keeping_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    with store.engine.begin() as conn:  # make it look like v4: no source column, version 4
        conn.execute(T_LOG.insert().values(ts=datetime(2026, 1, 1, tzinfo=timezone.utc), prompt="old row"))
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_interaction_logs_source")
        conn.exec_driver_sql("ALTER TABLE interaction_logs DROP COLUMN source")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '4' WHERE key = 'schema_version'")
        for table in ("gateway_keys", "gateway_budget_windows", "gateway_rate_buckets", "alembic_version"):
            conn.exec_driver_sql(f"DROP TABLE {table}")  # v4 had no gateway and was written before Alembic
    store.close()
    reopened = Store(url)
    assert reopened.schema_version() == SCHEMA_VERSION == 6
    with reopened.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT prompt, source FROM interaction_logs")).all() == [("old row", None)]
        assert conn.execute(sa.text("SELECT count(*) FROM gateway_keys")).scalar() == 0
    reopened.close()
