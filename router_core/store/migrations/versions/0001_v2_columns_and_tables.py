"""v1 -> v2: the seed's tables get the columns they lacked, legacy values are normalised, and the v2 tables
(schema_meta, routing policies, health checks, comparisons) are created. Every row is kept.

v1 (the seed's shape, no schema_meta): interaction_logs without ttft_ms / cached_input_tokens / reasoning_tokens /
attempts / feedback / simulated (timestamps possibly ISO text with a "T", `cached` an integer), response_cache
without expires_at (its rows then live steps.LEGACY_CACHE_TTL after created_at), and agent_catalog. A v1 database may
lack any of them: missing tables are created; agents are seeded only where there was no agent_catalog.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from router_core.store.agents import DEFAULT_AGENTS
from router_core.store.codec import utcnow
from router_core.store.migrations import steps
from router_core.store.tables import (AGENT_TABLE, CACHE_TABLE, LOG_TABLE, T_AGENT, T_CACHE, T_CMP, T_CMP_RES, T_HEALTH,
                                      T_LOG, T_META, T_POLICY)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LOG_ADDED = [("ttft_ms", None), ("cached_input_tokens", "0"), ("reasoning_tokens", "0"), ("attempts", "'[]'"),
             ("feedback", "0"), ("simulated", "FALSE"), ("session_id", None), ("messages_json", "'[]'"),
             ("reasons", "'[]'"), ("error", None), ("baseline_cost_usd", None), ("score", "0")]
LOG_DEFAULTS = [("input_tokens", 0), ("output_tokens", 0), ("latency_ms", 0.0), ("score", 0.0), ("complexity", ""),
                ("status", "ok"), ("prompt", ""), ("reasons", "[]"), ("messages_json", "[]")]
CACHE_ADDED = [("prompt_preview", None), ("baseline_cost_usd", None), ("created_at", None), ("expires_at", None),
               ("hit_count", "0"), ("last_hit_at", None), ("saved_usd", "0")]


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    tables = set(sa.inspect(conn).get_table_names())
    if LOG_TABLE in tables:
        _interaction_logs(conn, sqlite)
    if CACHE_TABLE in tables:
        _response_cache(conn, sqlite)
    if AGENT_TABLE in tables:
        names = set(steps.columns_of(conn, AGENT_TABLE))
        for name in ("name", "role", "system_prompt"):
            steps.add_column(conn, AGENT_TABLE, name, T_AGENT.c[name].type, names, "''")
    for table in (T_LOG, T_CACHE, T_AGENT, T_POLICY, T_HEALTH, T_CMP, T_CMP_RES, T_META):
        table.create(conn, checkfirst=True)
    if AGENT_TABLE not in tables:
        conn.execute(T_AGENT.insert(), DEFAULT_AGENTS)
    steps.set_schema_version(conn, 2)


def _interaction_logs(conn: sa.Connection, sqlite: bool) -> None:
    cols = steps.columns_of(conn, LOG_TABLE)
    names = set(cols)
    for name, default in LOG_ADDED:
        default = "0" if sqlite and default == "FALSE" else default
        steps.add_column(conn, LOG_TABLE, name, T_LOG.c[name].type, names, default)
    if sqlite:
        steps.normalise_sqlite_times(conn, LOG_TABLE, "id", ["ts"])
    else:
        if not isinstance(cols["cached"]["type"], sa.Boolean):
            conn.exec_driver_sql(f"ALTER TABLE {LOG_TABLE} ALTER COLUMN cached TYPE boolean "
                                 "USING (coalesce(cached::text, '0') NOT IN ('0', 'false', 'f', ''))")
        steps.pg_timestamptz(conn, LOG_TABLE, ["ts"])
    log = T_LOG  # every column exists by now
    for name, value in LOG_DEFAULTS:
        conn.execute(log.update().where(log.c[name].is_(None)).values({name: value}))
    conn.execute(log.update().where(log.c.cached.is_(None)).values(cached=False))
    conn.execute(log.update().where(log.c.ts.is_(None)).values(ts=utcnow()))


def _response_cache(conn: sa.Connection, sqlite: bool) -> None:
    names = set(steps.columns_of(conn, CACHE_TABLE))
    for name, default in CACHE_ADDED:
        steps.add_column(conn, CACHE_TABLE, name, T_CACHE.c[name].type, names, default)
    if sqlite:
        steps.normalise_sqlite_times(conn, CACHE_TABLE, "key", ["created_at", "last_hit_at"])
    else:
        steps.pg_timestamptz(conn, CACHE_TABLE, ["created_at", "last_hit_at"])
    steps.legacy_cache_expiry(conn, steps.LEGACY_CACHE_TTL, utcnow())


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
