"""v2 -> v3: attempt_logs, one row per provider attempt, backfilled from each interaction's `attempts` JSON
(see steps.backfill_attempts). v2's ix_interaction_logs_provider_latency is dropped (nothing reads it since
per-provider figures come from attempt_logs). Indexes follow in 0003, after the bulk insert.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from router_core.store.migrations import steps
from router_core.store.tables import ATTEMPT_TABLE

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_interaction_logs_provider_latency")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {ATTEMPT_TABLE}")  # rebuilt from the trails below
    op.create_table(
        ATTEMPT_TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("interaction_id", sa.Integer, nullable=False),
        sa.Column("ts", UTCDateTime, nullable=False),
        sa.Column("provider", AutoString, nullable=False),
        sa.Column("model", AutoString),
        sa.Column("outcome", AutoString, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("retryable", sa.Boolean),
    )
    steps.backfill_attempts(conn)
    steps.set_schema_version(conn, 3)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
