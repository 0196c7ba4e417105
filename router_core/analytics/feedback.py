"""What people said about the answers: thumbs on logged requests and Compare votes, aggregated in SQL per tier,
target ("provider:model") and whether the answer was simulated (demo mode).

    thumbs(store, since=..., until=..., org=None, agent=None)   # tier, target, simulated, thumbs_up, thumbs_down
    compare_votes(store, since=..., until=...)                  # tier, target, simulated, votes, vote_wins, vote_ties
    feedback(store, ...)                                        # both, one row per (tier, target, simulated)

Comparisons carry no tier, org or agent: each Compare column was logged as one request (source "compare") with
the same answer just before the comparison was saved, so a column's tier and `simulated` come from that logged
request (the latest one with that answer, at most a day before the period starts). Votes are therefore not
filtered by org or agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..sources import REAL_TRAFFIC_FILTER, SourceFilter
from ..store.codec import to_db_time
from ..store.tables import IX_LOG_FEEDBACK, T_CMP, T_CMP_RES, T_LOG
from .sql import count_if, engine_of, frame, in_window, log_table, numeric

KEYS = ["tier", "target", "simulated"]
THUMB_COLUMNS = ["thumbs_up", "thumbs_down"]
VOTE_COLUMNS = ["votes", "vote_wins", "vote_ties"]
LOOKBACK = timedelta(days=1)  # how long before the period a Compare column's logged request may be
UNKNOWN_TIER = "?"


def thumbs(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
           agent: str | None = None, agent_version: int | None = None,
           sources: SourceFilter | None = REAL_TRAFFIC_FILTER) -> pd.DataFrame:
    """Per tier, target and simulated: thumbs up and down on the logged requests of the window (read from the
    partial index of the rows with feedback: the literal 0 lets the planner use it)."""
    engine = engine_of(engine_or_store)
    t = log_table(engine, IX_LOG_FEEDBACK)
    c = t.c
    stmt = (sa.select(c.complexity.label("tier"), c.provider, c.model, c.simulated,
                      count_if(c.feedback > 0).label("thumbs_up"), count_if(c.feedback < 0).label("thumbs_down"))
            .where(*in_window(t, since, until, org, agent, sources, agent_version),
                   c.feedback != sa.literal_column("0"))
            .group_by(c.complexity, c.provider, c.model, c.simulated))
    df = frame(engine, stmt)
    df["target"] = pd.Series([f"{p or '(none)'}:{m or '(none)'}" for p, m in zip(df["provider"], df["model"])],
                             index=df.index, dtype=object)
    return _typed(numeric(df, ints=THUMB_COLUMNS)[[*KEYS, *THUMB_COLUMNS]])


def voted_columns_query(since: datetime, until: datetime) -> sa.Subquery:
    """One row per column of each comparison of the window that got a vote: comparison_id, position, target,
    winner, answered (1/0), and from the column's logged request: tier, agent, simulated (NULL when none found).

    The logged request is found by a join on the answer's text and the latest one wins (ROW_NUMBER), not by a
    correlated subquery per column: SQLite then builds one automatic index instead of scanning the log per
    column (31 s -> 0.24 s for 2,000 comparisons)."""
    cmp_, res, log = T_CMP.c, T_CMP_RES.c, T_LOG.c
    window = (cmp_.winner.is_not(None), cmp_.ts >= to_db_time(since), cmp_.ts < to_db_time(until))
    voted = T_CMP_RES.join(T_CMP, cmp_.id == res.comparison_id)
    logged = (sa.select(res.id.label("column_id"), log.complexity.label("tier"), log.agent,
                        sa.cast(log.simulated, sa.Integer).label("simulated"),
                        sa.func.row_number().over(partition_by=res.id, order_by=(log.ts.desc(), log.id.desc()))
                        .label("latest"))
              .select_from(voted.join(T_LOG, sa.and_(log.response == res.text, log.source == "compare",
                                                     log.ts <= cmp_.ts, log.ts >= to_db_time(since - LOOKBACK))))
              .where(*window).subquery())
    answered = sa.and_(res.text.is_not(None), res.text != "", res.error.is_(None))
    return (sa.select(res.comparison_id, res.position, res.target, cmp_.winner,
                      sa.case((answered, 1), else_=0).label("answered"), logged.c.tier, logged.c.agent,
                      logged.c.simulated)
            .select_from(voted.outerjoin(logged, sa.and_(logged.c.column_id == res.id, logged.c.latest == 1)))
            .where(*window).subquery())


def compare_votes(engine_or_store: Any, *, since: datetime, until: datetime) -> pd.DataFrame:
    """Per tier, target and simulated, over the comparisons of the window that got a vote: votes (voted
    comparisons the target took part in), vote_wins (it was picked) and vote_ties (the vote was "tie")."""
    engine = engine_of(engine_or_store)
    columns = voted_columns_query(since, until)
    p = columns.c
    # A comparison's tier: the one its columns were logged with (any answered column knows it).
    tier = sa.select(sa.func.max(p.tier).label("tier"), p.comparison_id).group_by(p.comparison_id).subquery()
    simulated = sa.func.coalesce(p.simulated, 0) > 0
    stmt = (sa.select(sa.func.coalesce(tier.c.tier, UNKNOWN_TIER).label("tier"), p.target,
                      simulated.label("simulated"),
                      sa.func.count().label("votes"), count_if(p.winner == p.target).label("vote_wins"),
                      count_if(p.winner == "tie").label("vote_ties"))
            .select_from(columns.join(tier, tier.c.comparison_id == p.comparison_id))
            .group_by(tier.c.tier, p.target, simulated))
    return _typed(numeric(frame(engine, stmt), ints=VOTE_COLUMNS)[[*KEYS, *VOTE_COLUMNS]])


def feedback(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
             agent: str | None = None, agent_version: int | None = None,
             sources: SourceFilter | None = REAL_TRAFFIC_FILTER) -> pd.DataFrame:
    """Thumbs and votes side by side: tier, target, simulated, thumbs_up, thumbs_down, votes, vote_wins,
    vote_ties (zeros where a target had only one kind), most feedback first."""
    up = thumbs(engine_or_store, since=since, until=until, org=org, agent=agent, agent_version=agent_version,
                sources=sources)
    votes = compare_votes(engine_or_store, since=since, until=until)
    df = up.merge(votes, on=KEYS, how="outer")
    df = _typed(numeric(df, ints=[*THUMB_COLUMNS, *VOTE_COLUMNS]))
    weight = df[THUMB_COLUMNS].sum(axis=1) + df["votes"]
    return (df.assign(_w=weight).sort_values(["_w", "tier", "target"], ascending=[False, True, True])
            .drop(columns="_w").reset_index(drop=True)[[*KEYS, *THUMB_COLUMNS, *VOTE_COLUMNS]])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The key columns with one dtype whether or not there are rows (an empty frame merges like a full one)."""
    return df.astype({"tier": object, "target": object, "simulated": bool})
