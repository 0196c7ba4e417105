"""The What-if tab's "Logged traffic" source: period, org and agent of the real traffic to replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import streamlit as st

from pages.shared import md_escape
from router_core import replay
from router_core.workspace import Workspace

PERIODS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "All time": None}
ALL = "All"
EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class LoggedQuery:
    """Which logged requests to replay; read only when the replay runs (the picker only counts them)."""

    since: datetime
    until: datetime
    org: str | None
    agent: str | None

    def load(self, ws: Workspace, limit: int | None = None) -> replay.LoggedTraffic:
        return ws.logged_traffic(since=self.since, until=self.until, org=self.org, agent=self.agent, limit=limit)


def logged_source(ws: Workspace, box) -> LoggedQuery | None:
    """The filters in `box`, how many requests match, and an empty state; None when nothing matches."""
    options = ws.orgs_and_agents()
    c1, c2, c3 = box.columns(3)
    days = PERIODS[c1.selectbox("Period", list(PERIODS), index=1, key="rp_logs_period")]
    org = c2.selectbox("Org", [ALL, *options.get("orgs", [])], key="rp_logs_org")
    agent = c3.selectbox("Agent", [ALL, *options.get("agents", [])], key="rp_logs_agent")
    until = datetime.now(timezone.utc) + timedelta(minutes=1)
    query = LoggedQuery(EPOCH if days is None else until - timedelta(days=days), until,
                        None if org == ALL else org, None if agent == ALL else agent)
    matched = query.load(ws, limit=1).matched  # a COUNT and one narrow row
    if matched == 0:
        box.info("**No logged traffic matches.** Answered requests from the Playground, the API and the gateway "
                 "appear here once they have gone through the router; widen the period or set Org / Agent back "
                 "to *All*.", icon="💡")
        return None
    kept = f"; the newest {replay.MAX_PROMPTS:,} are replayed" if matched > replay.MAX_PROMPTS else ""
    scope = "".join(f", {k} **{md_escape(v)}**" for k, v in (("org", query.org), ("agent", query.agent)) if v)
    box.caption(f"{matched:,} answered requests of real traffic{scope}{kept}, priced from their logged tokens.")
    return query
