"""Steps the revisions share: added columns, legacy time normalising, index reconciling, data backfills.

Each takes the migration's connection. Chunk sizes are module constants (tests make them small).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..codec import SQLITE_TIME_FORMAT, loads_list, to_db_time
from ..records import attempt_rows
from ..tables import ATTEMPT_TABLE, LOG_TABLE, METADATA, T_META, index_applies

BACKFILL_CHUNK = 5000  # interactions read per step when attempt_logs is rebuilt from the trails (v2 -> v3)
SCOPE_CHUNK = 50_000  # attempt ids per UPDATE when org / agent (v3 -> v4) or simulated (v10 -> v11) are set
LEGACY_CACHE_TTL = timedelta(days=1)  # v1 cache rows had no expiry: they live this long after created_at


def columns_of(conn: Connection, table: str) -> dict[str, dict]:
    return {c["name"]: c for c in sa.inspect(conn).get_columns(table)}


def add_column(conn: Connection, table: str, name: str, type_: sa.types.TypeEngine, existing: set[str],
               default_sql: str | None = None) -> None:
    """ALTER TABLE ADD COLUMN unless `existing` has it (NOT NULL with `default_sql` when given)."""
    if name in existing:
        return
    ddl = f"ALTER TABLE {table} ADD COLUMN {name} {type_.compile(dialect=conn.dialect)}"
    if default_sql is not None:
        ddl += f" NOT NULL DEFAULT {default_sql}"
    conn.exec_driver_sql(ddl)
    existing.add(name)


def set_schema_version(conn: Connection, version: int) -> None:
    """schema_meta's version, which releases from before Alembic read (and refuse when newer than theirs)."""
    stmt = T_META.update().where(T_META.c.key == "schema_version").values(value=str(version))
    if conn.execute(stmt).rowcount == 0:
        conn.execute(T_META.insert().values(key="schema_version", value=str(version)))


def pg_timestamptz(conn: Connection, table: str, names: list[str]) -> None:
    """Legacy PostgreSQL timestamps (naive, taken as UTC, or text) become timestamptz."""
    cols = columns_of(conn, table)
    for name in names:
        col_type = cols[name]["type"]
        if isinstance(col_type, sa.DateTime) and getattr(col_type, "timezone", False):
            continue
        using = f"{name} AT TIME ZONE 'UTC'" if isinstance(col_type, sa.DateTime) else \
            f"(CASE WHEN {name}::text ~ '([zZ]|[+-][0-9:]+)$' THEN {name}::text::timestamptz " \
            f"ELSE {name}::text::timestamp AT TIME ZONE 'UTC' END)"
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE timestamptz USING {using}")


def normalise_sqlite_times(conn: Connection, table: str, pk: str, columns: list[str]) -> None:
    """Rewrite legacy SQLite timestamps (ISO text with 'T', offsets, epoch numbers) in the canonical
    'YYYY-MM-DD HH:MM:SS.ffffff' UTC form, so string comparison and strftime bucketing agree."""
    digits = "[0-9]"
    canonical = (f"{digits * 4}-{digits * 2}-{digits * 2} {digits * 2}:{digits * 2}:{digits * 2}.{digits * 6}")
    for col in columns:
        rows = conn.exec_driver_sql(
            f"SELECT {pk}, {col} FROM {table} WHERE {col} IS NOT NULL AND "
            f"(typeof({col}) != 'text' OR {col} NOT GLOB '{canonical}')").fetchall()
        updates = []
        for key, raw in rows:
            try:
                if isinstance(raw, (int, float)):
                    value = to_db_time(float(raw))
                else:
                    value = to_db_time(datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00")))
            except ValueError:
                continue  # leave what we cannot read; it stays visible in the log
            updates.append((value.strftime(SQLITE_TIME_FORMAT), key))
        if updates:
            conn.exec_driver_sql(f"UPDATE {table} SET {col} = ? WHERE {pk} = ?", updates)


def legacy_cache_expiry(conn: Connection, ttl: timedelta, now: datetime) -> None:
    """Cache rows from before expiry existed live `ttl` after they were created (or from `now`)."""
    from sqlmodel.sql.sqltypes import UTCDateTime

    cache = sa.table("response_cache", sa.column("key"), sa.column("created_at"), sa.column("expires_at"))
    rows = conn.execute(sa.select(cache.c.key, cache.c.created_at).where(cache.c.expires_at.is_(None))).fetchall()
    updates = [{"k": key, "e": (to_db_time(created) if created is not None else now) + ttl} for key, created in rows]
    if updates:
        conn.execute(sa.text("UPDATE response_cache SET expires_at = :e WHERE key = :k")
                     .bindparams(sa.bindparam("e", type_=UTCDateTime())), updates)


def backfill_attempts(conn: Connection) -> int:
    """attempt_logs rows from every interaction's `attempts` JSON (see `attempt_rows`), BACKFILL_CHUNK
    interactions at a time (keyset on id, only the narrow columns), so a big log is never loaded at once.
    Timestamps are copied exactly as stored. Returns the number of attempts written."""
    select = sa.text(f"SELECT id, ts, provider, model, status, latency_ms, cached, attempts"
                     f" FROM {LOG_TABLE} WHERE id > :last ORDER BY id LIMIT :n")
    insert = sa.text(f"INSERT INTO {ATTEMPT_TABLE} (interaction_id, ts, provider, model, outcome, status, latency_ms,"
                     " retryable) VALUES (:interaction_id, :ts, :provider, :model, :outcome, :status, :latency_ms,"
                     " :retryable)")
    last, written = -(2 ** 62), 0
    while True:
        rows = conn.execute(select, {"last": last, "n": BACKFILL_CHUNK}).fetchall()
        if not rows:
            return written
        batch = []
        for iid, ts, provider, model, status, latency_ms, cached, attempts in rows:
            if ts is None:
                continue
            cached = cached not in (None, 0, False, "0", "false", "f", "")
            for a in attempt_rows(loads_list(attempts), provider=provider, model=model, status=status,
                                  latency_ms=latency_ms, cached=cached):
                del a["org"], a["agent"], a["simulated"]  # not in v3's attempt_logs (v4 / v11 add them)
                a["interaction_id"], a["ts"] = iid, ts
                batch.append(a)
        if batch:
            conn.execute(insert, batch)
            written += len(batch)
        last = rows[-1][0]


def fill_attempt_scope(conn: Connection) -> int:
    """Copy each attempt's org / agent from its interaction, one UPDATE ... FROM per SCOPE_CHUNK attempt ids
    (only interactions that have an org or an agent). Returns the number of rows updated."""
    a = sa.table(ATTEMPT_TABLE, sa.column("id"), sa.column("interaction_id"), sa.column("org"), sa.column("agent"))
    log = sa.table(LOG_TABLE, sa.column("id"), sa.column("org"), sa.column("agent"))
    lo, hi = conn.execute(sa.select(sa.func.min(a.c.id), sa.func.max(a.c.id))).one()
    if lo is None:
        return 0
    stmt = (a.update().values(org=log.c.org, agent=log.c.agent)
            .where(a.c.interaction_id == log.c.id, a.c.id >= sa.bindparam("lo"), a.c.id < sa.bindparam("hi"),
                   sa.or_(log.c.org.is_not(None), log.c.agent.is_not(None))))
    updated = 0
    for start in range(int(lo), int(hi) + 1, SCOPE_CHUNK):
        updated += conn.execute(stmt, {"lo": start, "hi": start + SCOPE_CHUNK}).rowcount or 0
    return updated


def mark_simulated_attempts(conn: Connection) -> int:
    """Mark simulated the attempts of a simulated interaction's own provider (v10 -> v11), one UPDATE ... FROM
    per SCOPE_CHUNK attempt ids (none when no interaction is simulated). Returns the number of rows updated."""
    a = sa.table(ATTEMPT_TABLE, sa.column("id"), sa.column("interaction_id"), sa.column("provider"),
                 sa.column("simulated", sa.Boolean))
    log = sa.table(LOG_TABLE, sa.column("id"), sa.column("provider"), sa.column("simulated", sa.Boolean))
    if conn.execute(sa.select(log.c.id).where(log.c.simulated == sa.true()).limit(1)).first() is None:
        return 0
    lo, hi = conn.execute(sa.select(sa.func.min(a.c.id), sa.func.max(a.c.id))).one()
    if lo is None:
        return 0
    stmt = (a.update().values(simulated=sa.true())
            .where(a.c.interaction_id == log.c.id, a.c.provider == log.c.provider, log.c.simulated == sa.true(),
                   a.c.id >= sa.bindparam("lo"), a.c.id < sa.bindparam("hi")))
    updated = 0
    for start in range(int(lo), int(hi) + 1, SCOPE_CHUNK):
        updated += conn.execute(stmt, {"lo": start, "hi": start + SCOPE_CHUNK}).rowcount or 0
    return updated


def reconcile_indexes(conn: Connection) -> None:
    """Every index tables.py declares for this database, with exactly its columns: missing ones are created,
    ones with the same name but other columns (an older release's) are rebuilt. An index over a column that a
    later revision adds is left for that revision's own reconcile."""
    insp = sa.inspect(conn)
    tables = set(insp.get_table_names())
    for table in METADATA.sorted_tables:
        if table.name not in tables:
            continue
        have = {ix["name"]: ix["column_names"] for ix in insp.get_indexes(table.name)}
        columns = {c["name"] for c in insp.get_columns(table.name)}
        for index in table.indexes:
            wanted = [c.name for c in index.columns]
            if not index_applies(index, conn.dialect.name) or not set(wanted) <= columns:
                continue
            if index.name in have and have[index.name] != wanted:
                conn.exec_driver_sql(f"DROP INDEX {index.name}")
            if have.get(index.name) != wanted:
                index.create(conn)
