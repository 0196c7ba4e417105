"""The team's leaderboard: which models its own people prefer, per tier and agent.

    leaderboard(store, since=..., until=..., tier=None, agent=None, simulated=False)
    # target, rating, low, high, provisional, votes, vote_wins, vote_ties, thumbs_up, thumbs_down, thumbs_up_rate,
    # judged, judge_wins, judge_win_rate, judge_matched_rate  (rated models first, best first)

* rating / low / high: Bradley-Terry on the Elo scale (mean 1000) from the Compare votes of the window, with a
  95 % bootstrap interval (analytics.bradley_terry); `provisional` when the model took part in fewer than
  MIN_VOTES votes (too few for the interval to mean much). A vote for one column beats every other answered column of
  that comparison; "tie" is half a win each way; "none" (no answer was good) says nothing about the order and is
  dropped; a column that failed (error, no answer) is not part of the vote.
* A comparison's tier, agent and whether it was simulated come from the requests its columns were logged as
  (source "compare", same answer, just before; as analytics.feedback does). `simulated=False` keeps comparisons
  where every answered column was real; `simulated=True` those with any simulated column (demo mode); they are
  never mixed.
* thumbs: thumbs on real traffic (Playground, API, gateway) of the window, same tier / agent / simulated.
* judge: verdicts of the judge (evaluation runs and shadow checks) on the model's answers against the baseline's,
  never the baseline against itself: win rate = wins / judged, matched rate = (wins + ties) / judged (the quality
  headline's "as good or better").

Votes are read one row per compared column (narrow: ids, targets, tier; never prompts or answers): votes are cast
by people, so there are thousands at most, and the bootstrap needs them one by one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..store.codec import to_db_time
from ..store.tables import T_VERDICT
from .bradley_terry import TIE, Vote, fit_ratings
from .feedback import UNKNOWN_TIER, thumbs, voted_columns_query
from .sql import count_if, engine_of, frame

NO_PICK = "none"
MIN_VOTES = 10  # fewer, and the interval says little (a clean sweep of 4 votes resamples to the same 4 wins)
COLUMNS = ["target", "rating", "low", "high", "provisional", "votes", "vote_wins", "vote_ties", "thumbs_up",
           "thumbs_down",
           "thumbs_up_rate", "judged", "judge_wins", "judge_win_rate", "judge_matched_rate"]


def voted_columns(engine_or_store: Any, *, since: datetime, until: datetime) -> pd.DataFrame:
    """One row per column of each comparison of the window that got a vote (analytics.feedback's query): ids,
    target, winner, answered, and the tier, agent and simulated flag of the column's logged request."""
    q = voted_columns_query(since, until)
    return frame(engine_of(engine_or_store), sa.select(q).order_by(q.c.comparison_id, q.c.position))


def votes_of(columns: pd.DataFrame, *, tier: str | None = None, agent: str | None = None,
             simulated: bool = False) -> list[Vote]:
    """The comparisons of `voted_columns` that match, as votes over their answered columns ("none" dropped).
    A comparison's tier and agent: the ones its columns were logged with (any answered column knows them)."""
    compared: dict[int, dict[str, Any]] = {}
    for row in columns.itertuples(index=False):
        c = compared.setdefault(int(row.comparison_id), {"winner": str(row.winner), "targets": [], "tier": None,
                                                         "agent": None, "simulated": False})
        if row.answered:
            c["targets"].append(str(row.target))
        c["tier"] = _known(row.tier, c["tier"])
        c["agent"] = _known(row.agent, c["agent"])
        c["simulated"] = c["simulated"] or _known(row.simulated, 0) > 0
    return [Vote(tuple(c["targets"]), c["winner"]) for c in compared.values()
            if c["winner"] != NO_PICK and c["simulated"] == simulated
            and (tier is None or (c["tier"] or UNKNOWN_TIER) == tier) and (agent is None or c["agent"] == agent)]


def leaderboard(engine_or_store: Any, *, since: datetime, until: datetime, tier: str | None = None,
                agent: str | None = None, simulated: bool = False) -> pd.DataFrame:
    """Ratings, thumbs and judge verdicts per target (see the module docstring), rated models best first,
    then the others by thumbs and verdicts."""
    votes = votes_of(voted_columns(engine_or_store, since=since, until=until), tier=tier, agent=agent,
                     simulated=simulated)
    ratings = fit_ratings(votes)
    rated = pd.DataFrame([{"target": name, "rating": r.rating, "low": r.low, "high": r.high,
                           "provisional": r.votes < MIN_VOTES, "votes": r.votes,
                           "vote_wins": sum(v.winner == name for v in votes),
                           "vote_ties": sum(v.winner == TIE and name in v.targets for v in votes)}
                          for name, r in ratings.items()], columns=COLUMNS[:8])
    df = rated.merge(_thumbs(engine_or_store, since, until, tier, agent, simulated), on="target", how="outer")
    df = df.merge(_judge(engine_or_store, since, until, tier, agent, simulated), on="target", how="outer")
    for column in ("votes", "vote_wins", "vote_ties", "thumbs_up", "thumbs_down", "judged", "judge_wins"):
        df[column] = df[column].fillna(0).astype(int)
    df["provisional"] = df["provisional"].fillna(False).astype(bool)
    df = df.astype({"target": object, "rating": float, "low": float, "high": float})
    return (df.sort_values(["rating", "thumbs_up", "judged", "target"], ascending=[False, False, False, True],
                           na_position="last").reset_index(drop=True)[COLUMNS])


def _known(value: Any, default: Any) -> Any:
    """`value` unless the column's logged request was not found (NULL arrives as None or NaN)."""
    return default if value is None or pd.isna(value) else value


def _thumbs(engine_or_store: Any, since: datetime, until: datetime, tier: str | None, agent: str | None,
            simulated: bool) -> pd.DataFrame:
    df = thumbs(engine_or_store, since=since, until=until, agent=agent)
    df = df[df["simulated"] == simulated]
    if tier is not None:
        df = df[df["tier"] == tier]
    df = df.groupby("target", as_index=False)[["thumbs_up", "thumbs_down"]].sum()
    rated = df["thumbs_up"] + df["thumbs_down"]
    return df.assign(thumbs_up_rate=(df["thumbs_up"] / rated).where(rated > 0))


def _judge(engine_or_store: Any, since: datetime, until: datetime, tier: str | None, agent: str | None,
           simulated: bool) -> pd.DataFrame:
    c = T_VERDICT.c
    where = [c.ts >= to_db_time(since), c.ts < to_db_time(until), c.contestant_target.is_not(None),
             c.same_target == sa.false(), c.outcome.in_(("win", "tie", "loss")),
             c.simulated == (sa.true() if simulated else sa.false())]
    if tier is not None:
        where.append(c.tier == tier)
    if agent is not None:
        where.append(c.agent == agent)
    stmt = (sa.select(c.contestant_target.label("target"), sa.func.count().label("judged"),
                      count_if(c.outcome == "win").label("judge_wins"), count_if(c.outcome == "tie").label("ties"))
            .where(*where).group_by(c.contestant_target))
    df = frame(engine_of(engine_or_store), stmt)
    judged = df["judged"].astype(float)
    return df.assign(judge_win_rate=df["judge_wins"] / judged,
                     judge_matched_rate=(df["judge_wins"] + df["ties"]) / judged).drop(columns="ties")
