"""v5 -> v6: evaluation runs and the judge's verdicts (`eval_runs`, `eval_items`, `quality_verdicts`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import QUALITY_TABLES

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in QUALITY_TABLES:
        table.create(conn, checkfirst=True)
    steps.set_schema_version(conn, 6)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
