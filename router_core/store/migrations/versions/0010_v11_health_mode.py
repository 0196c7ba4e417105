"""v10 -> v11: health checks and provider attempts say whether a simulated vendor answered
(`health_checks.simulated`, `attempt_logs.simulated`, false by default), so Health shows live figures without
demo traffic. `simulated` ends the per-provider attempt indexes, which are rebuilt with it.

Backfilled where it can be known: an attempt whose interaction is simulated and whose provider is the
interaction's own provider (the vendor that answered in demo mode) is simulated. Every other older attempt (one
that failed before a simulated answer, or one of a request that failed everywhere) and every older check are
treated as real: nothing stored says otherwise.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

from router_core.store.migrations import steps
from router_core.store.tables import ATTEMPT_TABLE, HEALTH_TABLE, T_ATTEMPT, T_HEALTH

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    false = "0" if conn.dialect.name == "sqlite" else "false"
    for table, t in ((ATTEMPT_TABLE, T_ATTEMPT), (HEALTH_TABLE, T_HEALTH)):
        steps.add_column(conn, table, "simulated", t.c.simulated.type, set(steps.columns_of(conn, table)),
                         default_sql=false)
    steps.mark_simulated_attempts(conn)
    steps.reconcile_indexes(conn)  # the per-provider attempt indexes end in simulated now
    steps.set_schema_version(conn, 11)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
