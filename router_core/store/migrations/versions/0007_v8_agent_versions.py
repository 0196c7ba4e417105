"""v7 -> v8: agents have versions (`agent_versions`: prompt, default temperature and max tokens, optional fixed
target or policy, author note, time) and can be archived (`agent_catalog.archived`); every interaction records
the version it used (`interaction_logs.agent_version`, NULL on older rows). Each existing agent becomes its
version 1, with its current prompt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from router_core.store.agents import seed_versions
from router_core.store.migrations import steps
from router_core.store.tables import AGENT_TABLE, LOG_TABLE, T_AGENT, T_AGENT_VERSION, T_LOG

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    false = "0" if conn.dialect.name == "sqlite" else "false"
    steps.add_column(conn, AGENT_TABLE, "archived", T_AGENT.c.archived.type, set(steps.columns_of(conn, AGENT_TABLE)),
                     default_sql=false)
    steps.add_column(conn, LOG_TABLE, "agent_version", T_LOG.c.agent_version.type,
                     set(steps.columns_of(conn, LOG_TABLE)))
    T_AGENT_VERSION.create(conn, checkfirst=True)
    seed_versions(conn)
    steps.set_schema_version(conn, 8)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
