"""Saved agents (named system prompts the chat can route under), and the five a new database starts with."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .tables import T_AGENT, Agent

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


class AgentRepository:
    """`agent_catalog`: list, get, save (insert or replace by code), delete."""

    engine: Engine

    def list_agents(self) -> list[Agent]:
        with Session(self.engine, expire_on_commit=False) as session:
            agents = list(session.scalars(sa.select(Agent).order_by(Agent.code)))
            session.expunge_all()
        return agents

    def get_agent(self, code: str) -> Agent | None:
        with Session(self.engine, expire_on_commit=False) as session:
            agent = session.get(Agent, code)
            if agent is not None:
                session.expunge(agent)
        return agent

    def save_agent(self, agent: Agent | dict) -> None:
        """Insert or replace an agent by its code."""
        data = dict(agent) if isinstance(agent, dict) else {
            "code": agent.code, "name": agent.name, "role": agent.role, "system_prompt": agent.system_prompt}
        code = str(data.get("code") or "").strip()
        if not code:
            raise ValueError("an agent needs a code")
        values = {"name": data.get("name") or code, "role": data.get("role") or "",
                  "system_prompt": data.get("system_prompt") or ""}
        with self.engine.begin() as conn:
            if conn.execute(T_AGENT.update().where(T_AGENT.c.code == code).values(**values)).rowcount == 0:
                conn.execute(T_AGENT.insert().values(code=code, **values))

    def delete_agent(self, code: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(T_AGENT.delete().where(T_AGENT.c.code == code)).rowcount > 0
