"""Alembic revisions (versions/) and the steps they share (steps.py); applied by router_core.store.schema."""
