"""v11 -> v12: interaction_summary, the request log added up per UTC day and group (what the Savings figures read
at a million rows), filled from interaction_logs in one INSERT ... SELECT; the latency index covers source and
agent_version, and a partial index holds the rows with thumbs.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

from router_core.store import summary
from router_core.store.migrations import steps
from router_core.store.tables import T_SUMMARY

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    T_SUMMARY.create(conn, checkfirst=True)
    summary.rebuild(conn)
    steps.reconcile_indexes(conn)  # rebuilds ix_interaction_logs_latency, creates ix_interaction_logs_feedback
    steps.set_schema_version(conn, 12)


def downgrade() -> None:
    raise NotImplementedError("Switchboard only migrates forward; restore a backup to go back")
