"""v6 -> v7: the dashboards' covering indexes carry `source`, so Savings' real-traffic filter is answered from
the index alone instead of reading every wide row of the period.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    steps.reconcile_indexes(conn)  # rebuilds the analytics indexes whose columns changed
    steps.set_schema_version(conn, 7)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
