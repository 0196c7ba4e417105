"""The request log, feedback, comparisons and agents, for a front end (through the Store's public methods)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import RouterError

if TYPE_CHECKING:
    import pandas as pd

    from ..router import Router


class WorkspaceError(RouterError, ValueError):
    """A workspace operation was refused (unknown name, name taken, bad input); the message says why."""


@dataclass(frozen=True)
class LogPage:
    """One page of the request log, newest first. `page` may be lower than asked when rows went away."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first(self) -> int:
        """1-based number of the page's first row."""
        return (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return min(self.page * self.page_size, self.total)


@dataclass(frozen=True)
class AgentProfile:
    """A saved system prompt requests can name (`agent=code`)."""

    code: str
    name: str
    role: str
    system_prompt: str


class RecordOps:
    """Log, feedback, comparisons and agents (needs `self.router`)."""

    router: "Router"

    # ---- the request log ----------------------------------------------------------------------
    def log_page(self, page: int = 1, page_size: int = 50, **filters: Any) -> LogPage:
        """Page `page` of the filtered log; the last page instead when the log shrank below it.

        Filters: since, until, org, agent, complexity, provider, model, status, cached, search, session_id.
        """
        store = self.router.store
        page, page_size = max(1, int(page)), max(1, int(page_size))
        rows, total = store.list_interactions(**filters, offset=(page - 1) * page_size, limit=page_size)
        if rows.empty and total and page > 1:
            page = max(1, math.ceil(total / page_size))
            rows, total = store.list_interactions(**filters, offset=(page - 1) * page_size, limit=page_size)
        return LogPage(rows, total, page, page_size)

    def log_count(self, **filters: Any) -> int:
        """How many logged requests match (all of them without filters)."""
        return self.router.store.list_interactions(**filters, limit=0)[1]

    def log_entry(self, interaction_id: int) -> dict[str, Any] | None:
        """One request with its messages, answer, attempts and reasons (None: no such id)."""
        return self.router.store.get_interaction(int(interaction_id))

    def export_log_csv(self, **filters: Any) -> str:
        """Every matching request as CSV, oldest first, with a saved_usd column."""
        return self.router.store.export_interactions_csv(**filters)

    def set_feedback(self, interaction_id: int, value: int) -> None:
        """Thumbs on an answer: +1, -1, or 0 to clear."""
        if value not in (-1, 0, 1):
            raise WorkspaceError(f"feedback is -1, 0 or 1, not {value!r}")
        self.router.store.set_feedback(int(interaction_id), value)

    # ---- comparisons --------------------------------------------------------------------------
    def save_comparison(self, prompt: str, system: str | None, results: list[dict]) -> int:
        """Store a side-by-side run made elsewhere (Router.compare saves its own)."""
        return self.router.store.save_comparison(prompt, system, results)

    def vote_comparison(self, comparison_id: int, winner: str) -> None:
        """The best answer: one of the compared targets, "tie" or "none"."""
        self.router.store.vote_comparison(comparison_id, winner)

    def list_comparisons(self, limit: int = 20) -> pd.DataFrame:
        """The latest comparisons, one row per target, newest first."""
        return self.router.store.list_comparisons(limit=limit)

    # ---- agents -------------------------------------------------------------------------------
    def list_agents(self) -> list[AgentProfile]:
        return [AgentProfile(a.code, a.name, a.role, a.system_prompt) for a in self.router.store.list_agents()]

    def get_agent(self, code: str) -> AgentProfile | None:
        a = self.router.store.get_agent(code)
        return None if a is None else AgentProfile(a.code, a.name, a.role, a.system_prompt)

    def create_agent(self, code: str, name: str, system_prompt: str, role: str = "") -> AgentProfile:
        """A new agent; refused when the code is blank or taken."""
        code = (code or "").strip()
        if not code:
            raise WorkspaceError("an agent needs a code (the name requests use, e.g. \"support\")")
        if self.get_agent(code) is not None:
            raise WorkspaceError(f"an agent with code {code!r} already exists; edit it or choose another code")
        agent = AgentProfile(code, (name or "").strip() or code, role or "", system_prompt or "")
        self.router.store.save_agent(vars(agent))
        return agent

    def edit_agent(self, code: str, *, name: str | None = None, role: str | None = None,
                   system_prompt: str | None = None) -> AgentProfile:
        """Change the given fields of an existing agent."""
        current = self.get_agent(code)
        if current is None:
            raise WorkspaceError(f"no agent with code {code!r}")
        agent = AgentProfile(current.code, current.name if name is None else name,
                             current.role if role is None else role,
                             current.system_prompt if system_prompt is None else system_prompt)
        self.router.store.save_agent(vars(agent))
        return agent

    def delete_agent(self, code: str) -> None:
        if not self.router.store.delete_agent(code):
            raise WorkspaceError(f"no agent with code {code!r}")
