"""Which databases the store tests run on: always a fresh SQLite file, plus PostgreSQL when
TEST_POSTGRES_URL is set (CI sets it), each test in its own throwaway schema. Without it the PostgreSQL
variants are collected and reported as skipped, with the reason, so a missing server is never silent.

    @pytest.mark.parametrize("db_url", BACKENDS, indirect=True)   # or just use the `db_url` fixture
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
NO_POSTGRES = "TEST_POSTGRES_URL is not set (export it to run the PostgreSQL variants; CI does)"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES))]


def _pg_driver_url(url: str) -> sa.URL:
    from router_core.store import normalize_url

    return sa.make_url(normalize_url(url))


def database_urls(tmp_path: Path) -> list[str]:
    """The URLs to test against (PostgreSQL's is the server's default schema; prefer `fresh_database`)."""
    urls = [f"sqlite:///{tmp_path / 'store.db'}"]
    if POSTGRES_URL:
        urls.append(POSTGRES_URL)
    return urls


def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield a URL to an empty database of `kind`, and clean it up afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = _pg_driver_url(POSTGRES_URL)
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, isolated database URL per test, once per backend."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def store(db_url):
    from router_core.store import Store

    s = Store(db_url)
    yield s
    s.close()


def open_stores_at_once(db_url: str, n: int) -> list:
    """Open `n` Stores on one database from `n` threads at once (as instances starting together would);
    every open must succeed."""
    import threading

    from router_core.store import Store

    stores: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            stores.append(Store(db_url))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return stores
