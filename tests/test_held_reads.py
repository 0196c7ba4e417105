"""The request path's one-row reads (store/held.py): one connection per thread on a SQLite file, which still sees
every commit; a broken one is dropped; close() gives them back; other databases check out per read."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core.cache import ResponseCache
from router_core.store import Store
from router_core.types import Usage


def put(cache: ResponseCache, key: str, text: str = "answer") -> None:
    cache.put(key, text=text, provider="groq", model="llama", usage=Usage(3, 4), cost_usd=0.001,
              baseline_cost_usd=0.01)


def checkouts(of: Store) -> list[int]:
    """A list that grows by one at every connection checkout of the store's pool."""
    seen: list[int] = []
    sa.event.listen(of.engine, "checkout", lambda *_: seen.append(1))
    return seen


@pytest.fixture
def db(tmp_path):
    """A Store on a SQLite file (where reads are held)."""
    opened = Store(f"sqlite:///{tmp_path / 'r.db'}")
    yield opened
    opened.close()


def test_a_thread_keeps_one_connection_and_still_sees_other_commits(store):
    cache = ResponseCache(store, ttl_s=3600)
    seen = checkouts(store)
    assert cache.peek("k") is None
    other = Store(store.database_url)  # another connection (another process, in real life) writes the entry
    try:
        put(ResponseCache(other, ttl_s=3600), "k", "from elsewhere")
    finally:
        other.close()
    found = cache.peek("k")
    assert found is not None and found.text == "from elsewhere"
    for _ in range(5):
        cache.peek("missing")
    expected = 1 if store.held_reads.held else 7  # SQLite file: one checkout; PostgreSQL: one per read
    assert len(seen) == expected


def test_each_thread_has_its_own_connection(db):
    cache = ResponseCache(db, ttl_s=3600)
    put(cache, "k")
    used: list[object] = []

    def read() -> None:
        assert cache.peek("k") is not None
        used.append(db.held_reads._kept())

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in used}) == 3


def test_the_connection_of_a_thread_that_ended_goes_back_to_the_pool(db):
    cache = ResponseCache(db, ttl_s=3600)
    for _ in range(40):  # more short-lived threads than the pool has connections (8 + 24)
        reader = threading.Thread(target=cache.peek, args=("k",), daemon=True)
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), "a read waited for a connection: the pool was held by ended threads"
    assert db.engine.pool.checkedout() == 1  # only the last thread's, which the next keep gives back


def test_a_failed_read_drops_the_connection_and_the_next_read_opens_another(db):
    cache = ResponseCache(db, ttl_s=3600)
    put(cache, "k")
    assert cache.peek("k") is not None
    broken = db.held_reads._kept()
    broken.driver_connection.close()  # the driver connection died under us
    with pytest.raises(Exception):
        cache.peek("k")
    assert db.held_reads._kept() is None
    assert cache.peek("k") is not None
    assert db.held_reads._kept() is not broken


def test_close_gives_the_connections_back_and_later_reads_still_work(tmp_path):
    db = Store(f"sqlite:///{tmp_path / 'r.db'}")
    cache = ResponseCache(db, ttl_s=3600)
    put(cache, "k")
    assert cache.peek("k") is not None
    pool = db.engine.pool
    assert pool.checkedout() == 1  # the reading thread's, kept
    db.close()
    assert pool.checkedout() == 0
    try:
        assert cache.peek("k") is not None  # a new connection after close (the engine reopens its pool)
    finally:
        db.close()


def test_an_in_memory_database_reads_through_its_one_shared_connection():
    db = Store("sqlite://")
    try:
        assert not db.held_reads.held
        cache = ResponseCache(db, ttl_s=3600)
        put(cache, "k")
        assert cache.peek("k") is not None
        assert db.held_reads._kept() is None
    finally:
        db.close()
