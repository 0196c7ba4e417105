"""Alembic's entry point: run the revisions on the connection the store hands over (already under the schema
lock, inside its transaction). There is no offline (SQL script) mode and no alembic.ini: see
router_core/store/schema.py, which builds the Config."""

from __future__ import annotations

from alembic import context

from router_core.store.tables import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Switchboard's migrations run through router_core.store (Store(url) applies them)")
context.configure(connection=connection, target_metadata=METADATA)
with context.begin_transaction():
    context.run_migrations()
