"""v4 -> v5: each interaction says where it came from (`interaction_logs.source`: playground, gateway, ...;
NULL on older rows), and the gateway's tables are created (team keys, budget windows, rate buckets).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import GATEWAY_TABLES, LOG_TABLE, T_LOG

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    steps.add_column(conn, LOG_TABLE, "source", T_LOG.c.source.type, set(steps.columns_of(conn, LOG_TABLE)))
    for table in GATEWAY_TABLES:
        table.create(conn, checkfirst=True)
    steps.set_schema_version(conn, 5)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
