"""v9 -> v10: labelled outcomes (`outcomes`: a request, who answered, whether it was good enough, from which
source) and the learned routers trained on them (`learned_routers`: versioned JSON artifacts).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import LEARNING_TABLES

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in LEARNING_TABLES:
        table.create(conn, checkfirst=True)
    steps.set_schema_version(conn, 10)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
