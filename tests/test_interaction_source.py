"""Every logged interaction says where it came from (`source`), and a v4 database gains the column."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from conftest import run
from routerkit import logged_rows, make_router, openai_ok
from router_core import analytics
from router_core.errors import InvalidRequest
from router_core.sources import MEASURING, REAL_TRAFFIC, SOURCES, source_filter
from router_core.store import SCHEMA_VERSION, T_LOG, Store


def test_the_vocabulary_is_seven_names_in_two_groups_and_cli():
    assert set(SOURCES) == {"playground", "compare", "cli", "api", "gateway", "eval", "shadow"}
    assert set(REAL_TRAFFIC) == {"playground", "api", "gateway"} and set(MEASURING) == {"compare", "eval", "shadow"}
    assert set(SOURCES) - set(REAL_TRAFFIC) - set(MEASURING) == {"cli"}
    with pytest.raises(InvalidRequest, match="Unknown source 'web'"):
        source_filter(["api", "web"])
    with pytest.raises(InvalidRequest, match="at least one"):
        source_filter([])


def test_acomplete_records_its_source_and_defaults_to_api(tmp_path, cheap, premium):
    cheap.default(json=openai_ok("hello"))
    router = make_router(tmp_path, cheap.url, premium.url)
    run(router.acomplete("Hi", source="gateway", use_cache=False))
    run(router.acomplete("Hi again", use_cache=False))
    router.complete("Hi from a script", use_cache=False)
    for reserved in ("eval", "shadow"):  # other parts of the product log these
        run(router.acomplete(f"Hi from {reserved}", source=reserved, use_cache=False))
    assert [r["source"] for r in logged_rows(tmp_path)] == ["gateway", "api", "api", "eval", "shadow"]
    router.close()


def test_an_unknown_source_is_refused_before_anything_is_sent_or_logged(tmp_path, cheap, premium):
    cheap.default(json=openai_ok("hello"))
    router = make_router(tmp_path, cheap.url, premium.url)
    with pytest.raises(InvalidRequest, match="Unknown source 'webapp'.*playground"):
        run(router.acomplete("Hi", source="webapp"))

    async def drain():
        return [item async for item in router.astream("Hi", source="Gateway")]

    with pytest.raises(InvalidRequest, match="Unknown source 'Gateway'"):
        run(drain())
    assert cheap.requests == [] and premium.requests == []
    router.close()
    assert logged_rows(tmp_path) == []


def test_compare_columns_are_logged_as_compare_and_leave_savings_alone(tmp_path, cheap, premium):
    cheap.default(json=openai_ok("cheap words"))
    router = make_router(tmp_path, cheap.url, premium.url)
    run(router.acomplete("What is the capital of France?", use_cache=False))
    window = dict(since=datetime.now(timezone.utc) - timedelta(hours=1),
                  until=datetime.now(timezone.utc) + timedelta(hours=1))
    before = analytics.kpis(router.store, **window)
    run(router.acompare("Write a long essay on rivers", ["cheap:gpt-6-luna", "premium:claude-sonnet-5-5"]))
    assert [r["source"] for r in logged_rows(tmp_path)] == ["api", "compare", "compare"]
    after = analytics.kpis(router.store, **window)
    assert before["requests"] == 1 and before["saved_usd"] > 0
    assert (after["requests"], after["spend_usd"], after["saved_usd"]) == \
        (before["requests"], before["spend_usd"], before["saved_usd"])
    everything = analytics.kpis(router.store, sources=None, **window)
    assert everything["requests"] == 3 and everything["saved_usd"] > before["saved_usd"]
    measuring = analytics.measuring_costs(router.store, **window).set_index("source")
    assert int(measuring.loc["compare", "requests"]) == 2 and measuring.loc["compare", "spend_usd"] > 0
    assert int(measuring.loc["eval", "requests"]) == 0
    router.close()


def test_a_v4_database_gets_the_source_column_keeping_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    with store.engine.begin() as conn:  # make it look like v4: no source column, version 4
        conn.execute(T_LOG.insert().values(ts=datetime(2026, 1, 1, tzinfo=timezone.utc), prompt="old row"))
        for ix in T_LOG.indexes:  # v4's indexes did not carry source (revision 0006 rebuilds them with it)
            if "source" in [c.name for c in ix.columns]:
                conn.exec_driver_sql(f"DROP INDEX {ix.name}")
        conn.exec_driver_sql("ALTER TABLE interaction_logs DROP COLUMN source")
        conn.exec_driver_sql("UPDATE schema_meta SET value = '4' WHERE key = 'schema_version'")
        for table in ("gateway_keys", "gateway_budget_windows", "gateway_rate_buckets", "alembic_version"):
            conn.exec_driver_sql(f"DROP TABLE {table}")  # v4 had no gateway and was written before Alembic
    store.close()
    reopened = Store(url)
    assert reopened.schema_version() == SCHEMA_VERSION == 12
    with reopened.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT prompt, source FROM interaction_logs")).all() == [("old row", None)]
        assert conn.execute(sa.text("SELECT count(*) FROM gateway_keys")).scalar() == 0
    reopened.close()
