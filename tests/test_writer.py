"""The background writer: many rows per transaction, every row exactly once with its own id, the summary exact,
everything written on a clean shutdown and at interpreter exit, and a cache entry served before its commit."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import run
from pg import db_url, store  # noqa: F401  (fixtures)
from routerkit import make_router, openai_ok
from test_summary import WINDOWS, figures, summary_rows, varied_records

from router_core.cache import ResponseCache
from router_core.store import Store
from router_core.store import summary as store_summary
from router_core.store.prepared import Prepared, Write
from router_core.store.tables import T_LOG
from router_core.store.writer import BatchWriter, Job
from router_core.types import Usage

ROOT = Path(__file__).resolve().parents[1]


def logged_rows(store) -> dict[int, tuple]:
    with store.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(sa.select(T_LOG.c.id, T_LOG.c.latency_ms, T_LOG.c.ts))}


def test_batched_rows_get_their_own_ids_and_an_exact_summary(store):
    records = varied_records(1500)
    for i, rec in enumerate(records):
        rec.latency_ms = float(i)  # each row tells which record it came from
    writer = BatchWriter(store, max_rows=200)
    jobs = [writer.submit(rec) for rec in records]
    ids = [job.done.result(timeout=60) for job in jobs]
    writer.close()
    assert 8 <= writer.batches < 1500, "one transaction carries many rows (at most 200 each)"
    rows = logged_rows(store)
    assert len(rows) == 1500 and len(set(ids)) == 1500
    assert [rows[i][0] for i in ids] == [float(i) for i in range(1500)], "each caller got its own row's id"
    for window in WINDOWS[:3]:
        fast, raw = figures(store, True, window, {}), figures(store, False, window, {})
        for name in fast:
            if isinstance(raw[name], pd.DataFrame):
                pd.testing.assert_frame_equal(fast[name], raw[name], check_exact=True, obj=name)
            else:
                assert fast[name] == raw[name], name
    written = summary_rows(store)
    with store.engine.begin() as conn:
        store_summary.rebuild(conn)
    pd.testing.assert_frame_equal(summary_rows(store), written, check_exact=True)


def test_close_writes_everything_queued(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    writer = BatchWriter(store)
    jobs = [writer.submit(rec) for rec in varied_records(300, seed=3)]
    writer.close()
    assert all(job.done.done() for job in jobs)
    assert len(logged_rows(store)) == 300
    writer.submit(varied_records(1, seed=4)[0]).done.result(timeout=10)  # a later job starts it again
    writer.close()
    assert len(logged_rows(store)) == 301
    store.close()


def test_interpreter_exit_writes_what_is_queued(tmp_path):
    url = f"sqlite:///{tmp_path / 'exit.db'}"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'tests')!r})
        from test_summary import varied_records
        from router_core.store import Store
        from router_core.store.writer import BatchWriter, Job
        writer = BatchWriter(Store({url!r}))
        for rec in varied_records(400, seed=5):
            writer.submit(rec)
        print(writer.jobs.qsize() > 0)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    db = sqlite3.connect(tmp_path / "exit.db")
    try:
        assert db.execute("SELECT COUNT(*) FROM interaction_logs").fetchone()[0] == 400
    finally:
        db.close()


def test_a_bad_row_does_not_sink_its_batch(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'bad.db'}")
    writer = BatchWriter(store)
    good = varied_records(3, seed=6)

    broken = Write(Prepared(sa.text("UPDATE response_cache SET hit_count = :n"), store.engine.dialect), {})  # no n

    jobs = [Job(good[0]), Job(good[1], [broken]), Job(good[2])]
    writer._write(jobs)  # one batch, as the thread would take it
    assert jobs[0].done.result(timeout=10) is not None and jobs[2].done.result(timeout=10) is not None
    assert isinstance(jobs[1].done.exception(timeout=10), KeyError)
    assert len(logged_rows(store)) == 2
    store.close()


def test_concurrent_requests_share_transactions_and_are_logged_once(tmp_path, vendor):
    vendor.default(json=openai_ok("fine"))
    router = make_router(tmp_path, vendor.url, vendor.url)

    async def many():
        return await asyncio.gather(*(router.acomplete(f"Request {i}: what is {i} plus one?", use_cache=False)
                                      for i in range(200)))

    results = run(many())
    router.close()  # writes every row queued
    batches = router.writer.batches
    assert 1 <= batches < 200
    db = sqlite3.connect(tmp_path / "router.db")
    try:
        by_id = dict(db.execute("SELECT id, prompt FROM interaction_logs").fetchall())
    finally:
        db.close()
    assert len(by_id) == 200
    assert all(by_id[c.interaction_id].startswith(f"Request {i}:") for i, c in enumerate(results))


def test_a_staged_entry_hits_before_its_commit_and_its_hits_are_counted(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'cache.db'}")
    cache = ResponseCache(store, ttl_s=3600)
    writer = BatchWriter(store)
    write, settle = cache.stage("k", text="answer", provider="groq", model="llama", usage=Usage(3, 4),
                                cost_usd=0.001, baseline_cost_usd=0.01)
    hit = cache.get("k")  # nothing committed yet
    assert hit is not None and hit.pending and hit.text == "answer" and hit.hits == 1
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM response_cache").scalar() == 0
    entry = writer.submit(None, [write])
    entry.done.add_done_callback(lambda _: settle())
    bump = writer.submit(None, [cache.bump_step("k")])  # the hit's count goes with the hit's own row
    bump.done.result(timeout=10)
    writer.close()
    again = cache.get("k")
    assert again is not None and not again.pending and again.hits == 2
    assert cache.stats()["saved_usd"] == 0.02
    store.close()


def test_cache_hits_through_the_router_are_counted_by_the_writer(tmp_path, vendor):
    vendor.default(json=openai_ok("fine"))
    router = make_router(tmp_path, vendor.url, vendor.url)
    first = router.complete("What is the capital of France?")
    hits = [router.complete("What is the capital of France?") for _ in range(3)]
    stats = router.cache.stats()
    router.close()
    assert not first.cached and all(h.cached for h in hits)
    assert [h.reasons[0] for h in hits] == [f"served from cache (hit {n})" for n in (1, 2, 3)]
    assert stats["hits"] == 3 and stats["saved_usd"] == pytest.approx(3 * first.baseline_cost_usd)


def test_a_full_queue_makes_callers_wait_and_drops_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'full.db'}")
    writer = BatchWriter(store, max_rows=5, queue_rows=3)
    jobs = [writer.submit(rec) for rec in varied_records(60, seed=8)]  # blocks while 3 wait, never drops
    assert [j.done.result(timeout=30) is not None for j in jobs] == [True] * 60
    writer.close()
    assert len(logged_rows(store)) == 60 and writer.batches >= 12
    store.close()


def test_answers_do_not_wait_for_their_commit_and_a_repeat_meanwhile_hits_the_cache(tmp_path, vendor):
    vendor.default(json=openai_ok("fine"))
    url = f"sqlite:///{tmp_path / 'router.db'}"
    router = make_router(tmp_path, vendor.url, vendor.url, store=Store(url, busy_timeout_ms=5000))
    prompt = "What is the capital of France?"

    async def scenario():
        holder = sqlite3.connect(tmp_path / "router.db", timeout=0.1)
        holder.execute("BEGIN EXCLUSIVE")  # the writer cannot commit the first answer yet
        first = asyncio.create_task(router.acomplete(prompt))
        while not (vendor.requests and len(router.flights) == 0):
            await asyncio.sleep(0.01)  # answered, handed over to the writer, no longer in flight
        repeat = await asyncio.wait_for(router.acomplete(prompt), 5)  # answered while the database is held
        await asyncio.wait_for(first, 5)
        assert router.writer.wait_for_queued(timeout=0.2) is False, "both rows still wait for the database"
        holder.rollback()
        holder.close()
        return first.result(), repeat

    first, repeat = run(scenario())
    stats = router.cache.stats()
    router.close()
    assert not first.cached and repeat.cached and repeat.text == "fine"
    assert repeat.reasons == ("served from cache (hit 1)",)
    assert len(vendor.requests) == 1 and first.log_error is None and repeat.log_error is None
    assert stats["hits"] == 1 and stats["entries"] == 1


def traced_sqlite_store(path: Path, variable_limit: int | None = None) -> tuple[Store, list[str]]:
    """A SQLite-file Store whose connections report every statement SQLite starts (and bind at most
    `variable_limit` parameters per statement, when given)."""
    store = Store(f"sqlite:///{path}")
    statements: list[str] = []

    @sa.event.listens_for(store.engine, "connect")
    def _trace(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.set_trace_callback(statements.append)
        if variable_limit is not None:
            dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variable_limit)

    store.engine.dispose()  # the connections opened so far were not traced
    return store, statements


def attempt_links(store) -> dict[int, int]:
    """interaction id -> how many attempt rows point at it."""
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT interaction_id, count(*) FROM attempt_logs GROUP BY interaction_id")).all())


def test_a_batch_is_a_few_inserts_of_many_rows_on_sqlite(tmp_path):
    """One statement per row made the driver hand the interpreter lock back and forth for every row (see
    store/prepared.py); a batch of 300 is a few INSERTs of many rows, each row still its own id and attempts."""
    store, statements = traced_sqlite_store(tmp_path / "rows.db")
    records = varied_records(300, seed=4)
    for i, rec in enumerate(records):
        rec.latency_ms, rec.cached, rec.status, rec.error, rec.provider, rec.model = float(i), False, "ok", None, "groq", "g"
        rec.attempts = [{"provider": "openai", "model": "m", "outcome": "error", "latency_ms": 1.0},
                        {"provider": "groq", "model": "g", "outcome": "ok", "latency_ms": 2.0}][:1 + i % 2]
    ids = store.log_batch(records)
    inserts = [s for s in statements if s.startswith("INSERT INTO interaction_logs")]
    assert 1 <= len(inserts) <= 9, f"{len(inserts)} INSERTs for 300 rows"  # 256 at most, then powers of two
    assert len([s for s in statements if s.startswith("INSERT INTO attempt_logs")]) <= 9
    rows = logged_rows(store)
    assert [rows[i][0] for i in ids] == [float(i) for i in range(300)], "each record got its own row's id"
    assert attempt_links(store) == {iid: 1 + i % 2 for i, iid in enumerate(ids)}
    store.close()


def test_many_rows_fit_a_low_limit_of_parameters_per_statement(tmp_path):
    """SQLite before 3.32 binds at most 999 parameters per statement: the INSERTs are cut to fit the limit."""
    store, statements = traced_sqlite_store(tmp_path / "limit.db", variable_limit=100)
    ids = store.log_batch(varied_records(50, seed=5))
    assert len(logged_rows(store)) == 50 and sorted(ids) == sorted(logged_rows(store))
    assert len([s for s in statements if s.startswith("INSERT INTO interaction_logs")]) > 1
    store.close()


def test_a_key_staged_twice_in_one_batch_keeps_the_later_answer(tmp_path):
    """Two entries for one key in one INSERT of many rows: the later refreshes the earlier, as row by row."""
    store = Store(f"sqlite:///{tmp_path / 'twice.db'}")
    cache = ResponseCache(store, ttl_s=3600)
    first, _ = cache.stage("k", text="first", provider="p", model="m", usage=Usage(1, 1), cost_usd=0.1,
                           baseline_cost_usd=0.2)
    second, _ = cache.stage("k", text="second", provider="p", model="m", usage=Usage(1, 1), cost_usd=0.1,
                            baseline_cost_usd=0.2)
    other, _ = cache.stage("other", text="third", provider="p", model="m", usage=Usage(1, 1), cost_usd=0.1,
                           baseline_cost_usd=0.2)
    store.log_batch([], [first, second, other])
    with store.engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT key, response FROM response_cache")).all())
    assert stored == {"k": "second", "other": "third"}
    store.close()
