"""v3 -> v4: attempt_logs carries its interaction's org and agent (copied in chunks, see
steps.fill_attempt_scope), so filtered per-provider figures read one covering index; then every index of
tables.py is made to exist with its exact columns (v3's window index on PostgreSQL had interaction_id and no
org; early v2 databases had narrower dashboard indexes of the same names).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import ATTEMPT_TABLE, IX_ATT_TS_PROVIDER, T_ATTEMPT

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    names = set(steps.columns_of(conn, ATTEMPT_TABLE))
    for name in ("org", "agent"):
        steps.add_column(conn, ATTEMPT_TABLE, name, T_ATTEMPT.c[name].type, names)
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {IX_ATT_TS_PROVIDER}")  # rebuilt with org / agent after the fill
    steps.fill_attempt_scope(conn)
    steps.reconcile_indexes(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA optimize")
    steps.set_schema_version(conn, 4)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
