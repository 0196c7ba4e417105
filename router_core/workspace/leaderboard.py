"""The team's leaderboard for a front end: which models the team's own votes, thumbs and judge prefer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from ..router import Router


class LeaderboardOps:
    """Bradley-Terry ratings from Compare votes beside thumbs and judge win rates (needs `self.router`)."""

    router: "Router"

    def leaderboard(self, since: datetime, until: datetime, tier: str | None = None, agent: str | None = None,
                    simulated: bool = False) -> pd.DataFrame:
        """One row per model of the period (analytics.leaderboard's columns, best rated first), for one tier and
        agent when given; `simulated`: the demo's simulated answers instead of real ones (never mixed)."""
        from .. import analytics

        return analytics.leaderboard(self.router.store, since=since, until=until, tier=tier, agent=agent,
                                     simulated=simulated)
