"""Saved agents (named system prompts the chat can route under), and the five a new database starts with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .codec import from_db_time, utcnow
from .tables import T_AGENT, T_AGENT_VERSION, Agent

VERSION_SETTINGS = ("system_prompt", "temperature", "max_tokens", "target", "policy")
FIRST_NOTE = "existing agent (before versions)"  # version 1 of the agents a database had before v8

DEFAULT_AGENTS: list[dict[str, str]] = [
    {"code": "support", "name": "Support agent", "role": "Customer support",
     "system_prompt": "You are a friendly, patient customer-support agent. Answer clearly and briefly, "
                      "ask one clarifying question when the request is ambiguous, and never invent "
                      "policies, prices or order details you were not given."},
    {"code": "coder", "name": "Coding assistant", "role": "Software engineering",
     "system_prompt": "You are a senior software engineer. Give correct, idiomatic, tested code with a short "
                      "explanation. Point out edge cases and security issues. Say so when you are unsure."},
    {"code": "analyst", "name": "Data analyst", "role": "Analysis",
     "system_prompt": "You are a careful data analyst. Reason step by step, show the calculation, state your "
                      "assumptions, and separate what the data shows from what it merely suggests."},
    {"code": "writer", "name": "Writer", "role": "Writing and editing",
     "system_prompt": "You are a concise professional writer and editor. Match the requested tone and "
                      "length, prefer plain words and active voice, and keep the author's meaning."},
    {"code": "tutor", "name": "Tutor", "role": "Teaching",
     "system_prompt": "You are a patient tutor. Explain ideas from first principles with a small example, "
                      "check understanding with a short question, and adapt to the learner's level."},
]




@dataclass(frozen=True)
class AgentVersionRow:
    """One stored version of an agent."""

    agent: str
    version: int
    system_prompt: str
    temperature: float | None
    max_tokens: int | None
    target: str | None
    policy: str | None
    note: str
    created_at: datetime | None


def seed_versions(conn: Connection, note: str = FIRST_NOTE) -> int:
    """Version 1 of every agent that has no version yet (its current prompt, no defaults); returns how many."""
    have = sa.select(T_AGENT_VERSION.c.agent)
    rows = conn.execute(sa.select(T_AGENT.c.code, T_AGENT.c.system_prompt)
                        .where(T_AGENT.c.code.not_in(have))).fetchall()
    now = utcnow()
    if rows:
        conn.execute(T_AGENT_VERSION.insert(), [
            {"agent": code, "version": 1, "system_prompt": prompt or "", "note": note, "created_at": now}
            for code, prompt in rows])
    return len(rows)


def _version_row(row: Any) -> AgentVersionRow:
    m = row._mapping
    return AgentVersionRow(m["agent"], int(m["version"]), m["system_prompt"] or "", m["temperature"],
                           m["max_tokens"], m["target"], m["policy"], m["note"] or "", from_db_time(m["created_at"]))


class AgentRepository:
    """`agent_catalog` and its `agent_versions`: list, get, save a new version, archive, delete."""

    engine: Engine

    def list_agents(self, include_archived: bool = True) -> list[Agent]:
        stmt = sa.select(Agent).order_by(Agent.code)
        if not include_archived:
            stmt = stmt.where(Agent.archived == sa.false())
        with Session(self.engine, expire_on_commit=False) as session:
            agents = list(session.scalars(stmt))
            session.expunge_all()
        return agents

    def get_agent(self, code: str) -> Agent | None:
        with Session(self.engine, expire_on_commit=False) as session:
            agent = session.get(Agent, code)
            if agent is not None:
                session.expunge(agent)
        return agent

    def save_agent(self, agent: Agent | dict, note: str = "saved") -> int:
        """Insert an agent, or record a new version of it: name and role are replaced, the prompt and the
        version settings given (`VERSION_SETTINGS`) start the new version, the others carry over from the
        current one. Returns the new version's number."""
        data = dict(agent) if isinstance(agent, dict) else {
            "code": agent.code, "name": agent.name, "role": agent.role, "system_prompt": agent.system_prompt}
        code = str(data.get("code") or "").strip()
        if not code:
            raise ValueError("an agent needs a code")
        for attempt in range(5):  # two editors at once: the loser of the version number tries the next one
            try:
                with self.engine.begin() as conn:
                    return self._save_version(conn, code, data, note)
            except IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _save_version(self, conn: Connection, code: str, data: dict, note: str) -> int:
        current = conn.execute(sa.select(T_AGENT_VERSION).where(T_AGENT_VERSION.c.agent == code)
                               .order_by(T_AGENT_VERSION.c.version.desc()).limit(1)).first()
        settings = {k: (current._mapping[k] if current is not None else None) for k in VERSION_SETTINGS}
        settings.update({k: data[k] for k in VERSION_SETTINGS if k in data})
        settings["system_prompt"] = settings["system_prompt"] or ""
        values = {"name": data.get("name") or code, "role": data.get("role") or "",
                  "system_prompt": settings["system_prompt"]}
        if conn.execute(T_AGENT.update().where(T_AGENT.c.code == code).values(**values)).rowcount == 0:
            conn.execute(T_AGENT.insert().values(code=code, **values))
        version = 1 if current is None else int(current._mapping["version"]) + 1
        conn.execute(T_AGENT_VERSION.insert().values(agent=code, version=version, note=str(note or ""),
                                                     created_at=utcnow(), **settings))
        return version

    def set_agent_archived(self, code: str, archived: bool) -> bool:
        """Archive (hide from pickers) or restore an agent; False when there is no such agent."""
        with self.engine.begin() as conn:
            stmt = T_AGENT.update().where(T_AGENT.c.code == code).values(archived=bool(archived))
            return conn.execute(stmt).rowcount > 0

    def list_agent_versions(self, code: str) -> list[AgentVersionRow]:
        """Every version of an agent, oldest first (empty for an unknown agent)."""
        stmt = sa.select(T_AGENT_VERSION).where(T_AGENT_VERSION.c.agent == code).order_by(T_AGENT_VERSION.c.version)
        with self.engine.connect() as conn:
            return [_version_row(r) for r in conn.execute(stmt)]

    def get_agent_version(self, code: str, version: int | None = None) -> AgentVersionRow | None:
        """One version of an agent (its current one when `version` is None); None when there is none."""
        stmt = sa.select(T_AGENT_VERSION).where(T_AGENT_VERSION.c.agent == code)
        stmt = stmt.where(T_AGENT_VERSION.c.version == int(version)) if version is not None else \
            stmt.order_by(T_AGENT_VERSION.c.version.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _version_row(row)

    def delete_agent(self, code: str) -> bool:
        """Remove an agent and its versions (logged requests keep their agent and version numbers)."""
        with self.engine.begin() as conn:
            conn.execute(T_AGENT_VERSION.delete().where(T_AGENT_VERSION.c.agent == code))
            return conn.execute(T_AGENT.delete().where(T_AGENT.c.code == code)).rowcount > 0
