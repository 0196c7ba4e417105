"""Creating and migrating the schema when a Store opens (Alembic revisions in migrations/versions/).

* A database at the head revision is only read (no lock), so opening never waits on writers and works on a
  read-only file.
* Anything else is handled under the schema lock (engine.run_locked), so instances starting together don't race:
  - an empty database gets the current schema from tables.py, the seed agents, and is stamped at head;
  - a database with an `alembic_version` is upgraded to head (an unknown revision is newer than this code);
  - a database written before Alembic (no `alembic_version`) has its version detected (schema_meta's value, or
    v1 for the seed's tables without schema_meta), is stamped at the revision that produced that version, and
    upgraded from there.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .agents import DEFAULT_AGENTS, seed_versions
from .engine import run_locked
from .errors import StoreError
from .migrations import steps
from .tables import AGENT_TABLE, CACHE_TABLE, LOG_TABLE, META_TABLE, METADATA, SCHEMA_VERSION, T_AGENT, T_META

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0011"  # the newest revision in migrations/versions (a test checks they agree)
VERSION_TABLE = "alembic_version"
# The revision a pre-Alembic database of each schema version stands at (v1: none applied yet).
LEGACY_REVISIONS: dict[int, str | None] = {1: None, 2: "0001", 3: "0002", 4: "0003"}
SEED_TABLES = {LOG_TABLE, CACHE_TABLE, AGENT_TABLE}  # what the seed (v1) created


def ensure_schema(engine: Engine, safe_url: str) -> None:
    """Bring the database to the head revision (see the module docstring)."""
    if not is_current(engine):
        run_locked(engine, lambda conn: _migrate(conn, safe_url))


def is_current(engine: Engine) -> bool:
    """Every table exists, Alembic stands at head and schema_meta says this version (a cheap read)."""
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if not {t.name for t in METADATA.sorted_tables} | {VERSION_TABLE} <= tables:
                return False
            heads = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
            return heads == [HEAD_REVISION] and meta_version(conn) == SCHEMA_VERSION
    except (OperationalError, DBAPIError):
        return False


def meta_version(conn: Connection) -> int | None:
    """schema_meta's schema_version (None when unset)."""
    value = conn.execute(sa.select(T_META.c.value).where(T_META.c.key == "schema_version")).scalar()
    return None if value is None else int(value)


def _migrate(conn: Connection, safe_url: str) -> None:
    from alembic import command

    config = _alembic_config(conn)
    tables = set(sa.inspect(conn).get_table_names())
    if VERSION_TABLE in tables:
        _refuse_newer(conn, safe_url, tables)
    elif not (tables & (SEED_TABLES | {META_TABLE})):
        _create_fresh(conn)
        command.stamp(config, "head")
        return
    else:
        version = (meta_version(conn) if META_TABLE in tables else None) or 1  # the seed had no schema_meta
        if version not in LEGACY_REVISIONS:
            raise _newer(safe_url, f"schema v{version}")
        if LEGACY_REVISIONS[version] is not None:
            command.stamp(config, LEGACY_REVISIONS[version])
    command.upgrade(config, "head")


def _create_fresh(conn: Connection) -> None:
    METADATA.create_all(conn)
    conn.execute(T_AGENT.insert(), DEFAULT_AGENTS)
    seed_versions(conn, note="created")
    steps.set_schema_version(conn, SCHEMA_VERSION)


def _refuse_newer(conn: Connection, safe_url: str, tables: set[str]) -> None:
    from alembic.script import ScriptDirectory

    known = {rev.revision for rev in ScriptDirectory.from_config(_alembic_config(conn)).walk_revisions()}
    for rev in conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars():
        if rev not in known:
            raise _newer(safe_url, f"revision {rev}")
    version = meta_version(conn) if META_TABLE in tables else None
    if version is not None and version > SCHEMA_VERSION:
        raise _newer(safe_url, f"schema v{version}")


def _newer(safe_url: str, what: str) -> StoreError:
    return StoreError(f"the database {safe_url} has {what}, newer than this code (schema v{SCHEMA_VERSION}, "
                      f"revision {HEAD_REVISION}); upgrade Switchboard before opening it")


def _alembic_config(conn: Connection):  # noqa: ANN202 - alembic is imported lazily
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config
