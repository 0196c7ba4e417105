"""v8 -> v9: prompt experiments (`experiments`: dataset, variants, targets, scorers, spend cap; `experiment_cells`:
one row per input x variant x target with its answer, tokens, cost, latency, scores and error).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import EXPERIMENT_TABLES

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in EXPERIMENT_TABLES:
        table.create(conn, checkfirst=True)
    steps.set_schema_version(conn, 9)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
