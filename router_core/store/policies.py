"""Routing policies saved by the app: one may be active, shared by every instance on the database.

Changes take a process lock and, on PostgreSQL, an advisory lock, so two instances activating at once still
leave exactly one active policy; `policy_version` tells other instances when to reload.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .codec import dumps, utcnow
from .engine import policy_lock
from .errors import StoreError
from .tables import T_POLICY


class PolicyRepository:
    """`routing_policies`: save, activate, deactivate, list, read, and the active policy's version."""

    engine: Engine
    _policy_lock: threading.Lock

    def save_policy(self, name: str, data: dict, *, activate: bool = True) -> None:
        """Insert or replace a named policy; by default it becomes the one active policy."""
        name = str(name).strip()
        if not name:
            raise ValueError("a policy needs a name")
        payload = dumps(data)
        now = utcnow()
        c = T_POLICY.c
        with self._policy_lock, self.engine.begin() as conn:
            policy_lock(conn)
            changed = conn.execute(T_POLICY.update().where(c.name == name).values(
                data_json=payload, updated_at=now, revision=c.revision + 1)).rowcount
            if changed == 0:
                conn.execute(T_POLICY.insert().values(name=name, data_json=payload, active=False, revision=1,
                                                      updated_at=now))
            if activate:
                self._activate(conn, name, now)

    def _activate(self, conn: Connection, name: str, now: datetime) -> None:
        c = T_POLICY.c
        conn.execute(T_POLICY.update().where(c.name != name, c.active == sa.true()).values(active=False))
        n = conn.execute(T_POLICY.update().where(c.name == name).values(
            active=True, updated_at=now, revision=c.revision + 1)).rowcount
        if n == 0:
            raise StoreError(f"no routing policy named {name!r}")

    def activate_policy(self, name: str) -> None:
        with self._policy_lock, self.engine.begin() as conn:
            policy_lock(conn)
            self._activate(conn, name, utcnow())

    def deactivate_policies(self) -> None:
        """No saved policy is active any more: every instance goes back to the config file's table."""
        with self._policy_lock, self.engine.begin() as conn:
            policy_lock(conn)
            conn.execute(T_POLICY.update().where(T_POLICY.c.active == sa.true())
                         .values(active=False, updated_at=utcnow()))

    def delete_policy(self, name: str) -> bool:
        """Remove a saved policy (when it was active, routing goes back to the config file's table)."""
        with self._policy_lock, self.engine.begin() as conn:
            policy_lock(conn)
            return conn.execute(T_POLICY.delete().where(T_POLICY.c.name == name)).rowcount > 0

    def list_policies(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(T_POLICY.c.name).order_by(T_POLICY.c.name)).scalars())

    def get_policy(self, name: str) -> dict | None:
        with self.engine.connect() as conn:
            text = conn.execute(sa.select(T_POLICY.c.data_json).where(T_POLICY.c.name == name)).scalar()
        return None if text is None else json.loads(text)

    def active_policy(self) -> tuple[str, dict] | None:
        c = T_POLICY.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.name, c.data_json).where(c.active == sa.true())
                               .order_by(c.updated_at.desc()).limit(1)).first()
        return None if row is None else (row[0], json.loads(row[1]))

    def policy_version(self) -> str:
        """A short token that changes whenever the active policy (or its content) changes."""
        c = T_POLICY.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.name, c.revision, c.updated_at).where(c.active == sa.true())
                               .order_by(c.updated_at.desc()).limit(1)).first()
        if row is None:
            return "none"
        stamp = row[2].isoformat() if isinstance(row[2], datetime) else str(row[2])
        return f"{row[0]}#{row[1]}@{stamp}"
