"""The Leaderboard tab: which models the team's own people prefer, per tier and agent, next to the policy.

Ratings are Bradley-Terry (Elo scale, mean 1000) from Compare votes with a 95 % bootstrap interval; beside them the
thumbs-up rate on real traffic and the judge's win rate against the baseline (Workspace.leaderboard).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from pages.shared import code
from router_core.workspace import TIERS, Workspace

PERIODS = {"Last 30 days": timedelta(days=30), "Last 90 days": timedelta(days=90), "All time": None}
ALL_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
ANY = "All"


def _policy_places(ws: Workspace) -> dict[str, str]:
    """Where the active policy uses each target: "SIMPLE #1, MEDIUM #2", "baseline"."""
    data = ws.active_policy().to_dict()
    places: dict[str, list[str]] = {}
    for tier in TIERS:
        for i, target in enumerate(data.get(tier) or [], start=1):
            places.setdefault(str(target), []).append(f"{tier} #{i}")
    places.setdefault(str(data["baseline"]), []).append("baseline")
    return {target: ", ".join(where) for target, where in places.items()}


def _interval(low: float, high: float, provisional: bool) -> str:
    if pd.isna(low):
        return "–"
    return f"{low:.0f} – {high:.0f}" + (" (provisional: few votes)" if provisional else "")


def _table(df: pd.DataFrame, places: dict[str, str]) -> pd.DataFrame:
    """The leaderboard as people read it: rounded ratings, the interval as one cell, rates as percentages."""
    def pct(value: float) -> str:
        return "–" if pd.isna(value) else f"{100 * value:.0f}%"

    return pd.DataFrame({
        "model": df["target"],
        "rating": df["rating"].round(0),
        "95% interval": [_interval(lo, hi, few) for lo, hi, few in zip(df["low"], df["high"], df["provisional"])],
        "votes": df["votes"], "picked": df["vote_wins"], "ties": df["vote_ties"],
        "thumbs up": [f"{pct(rate)} of {up + down}" if up + down else "–"
                      for rate, up, down in zip(df["thumbs_up_rate"], df["thumbs_up"], df["thumbs_down"])],
        "judge win rate": [f"{pct(rate)} of {n}" if n else "–" for rate, n in zip(df["judge_win_rate"], df["judged"])],
        "in the policy": [places.get(t, "") for t in df["target"]],
    })


def leaderboard_tab(ws: Workspace) -> None:
    st.caption("Which models your own people prefer: every Compare vote is a match between the answers it "
               "compared (the picked one beats each other; a tie is half a win each). Ratings are Bradley-Terry on "
               "the Elo scale (mean 1000; 240 points apart = the higher one preferred 4 times in 5), with a 95% "
               "bootstrap interval: overlapping intervals mean the votes cannot tell the models apart yet.")
    period, tier, agent = st.columns(3)
    span = PERIODS[period.selectbox("Period", list(PERIODS), key="lb_period")]
    tier_pick = tier.selectbox("Tier", [ANY, *TIERS], key="lb_tier",
                               help="The tier the router gave the compared prompt.")
    agents = ws.orgs_and_agents().get("agents", [])
    agent_pick = agent.selectbox("Agent", [ANY, *agents], key="lb_agent",
                                 help="The agent the compared request was made for, where known.")
    until = datetime.now(timezone.utc) + timedelta(seconds=1)
    since = ALL_TIME if span is None else until - span
    filters = dict(tier=None if tier_pick == ANY else tier_pick, agent=None if agent_pick == ANY else agent_pick)
    places = _policy_places(ws)
    real = ws.leaderboard(since, until, **filters)
    demo = ws.leaderboard(since, until, simulated=True, **filters)
    if real["votes"].sum() == 0:
        st.info("**No Compare votes here yet.** Open the Compare page, ask two to four models the same prompt and "
                "vote for the best answer (or a tie): each vote ranks the models it compared, and the ratings "
                "appear here per tier and agent.", icon="🗳️")
        st.page_link("pages/compare.py", label="Open Compare", icon="⚖️")
    if not real.empty:
        st.dataframe(_table(real, places), hide_index=True, width="stretch")
        st.caption(f"Thumbs up: Playground, API and gateway traffic. Judge win rate: the judge's verdicts against "
                   f"the baseline {code(ws.active_policy().baseline)} (evaluation runs and shadow checks). "
                   "\"In the policy\": where the active policy routes to the model.")
    if not demo.empty:
        with st.expander("Simulated answers (demo mode), kept apart", expanded=real.empty):
            st.caption("These votes were cast on simulated answers, not real models: they show how the "
                       "leaderboard works, not which model is better.")
            st.dataframe(_table(demo, places), hide_index=True, width="stretch")
