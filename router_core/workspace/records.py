"""The request log, feedback and comparisons, for a front end (agents: agents.py) (through the Store's public methods)."""

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


class RecordOps:
    """Log, feedback and comparisons (needs `self.router`)."""

    router: "Router"

    # ---- the request log ----------------------------------------------------------------------
    def log_page(self, page: int = 1, page_size: int = 50, **filters: Any) -> LogPage:
        """Page `page` of the filtered log; the last page instead when the log shrank below it.

        Filters: since, until, org, agent, agent_version, complexity, provider, model, status, cached, search, session_id.
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
