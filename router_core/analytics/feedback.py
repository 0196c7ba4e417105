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
from ..store.tables import T_CMP, T_CMP_RES, T_LOG
from .sql import count_if, engine_of, frame, in_window, numeric

KEYS = ["tier", "target", "simulated"]
THUMB_COLUMNS = ["thumbs_up", "thumbs_down"]
VOTE_COLUMNS = ["votes", "vote_wins", "vote_ties"]
LOOKBACK = timedelta(days=1)  # how long before the period a Compare column's logged request may be
UNKNOWN_TIER = "?"


def thumbs(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
           agent: str | None = None, sources: SourceFilter | None = REAL_TRAFFIC_FILTER) -> pd.DataFrame:
    """Per tier, target and simulated: thumbs up and down on the logged requests of the window."""
    engine = engine_of(engine_or_store)
    c = T_LOG.c
    stmt = (sa.select(c.complexity.label("tier"), c.provider, c.model, c.simulated,
                      count_if(c.feedback > 0).label("thumbs_up"), count_if(c.feedback < 0).label("thumbs_down"))
            .where(*in_window(T_LOG, since, until, org, agent, sources), c.feedback != 0)
            .group_by(c.complexity, c.provider, c.model, c.simulated))
    df = frame(engine, stmt)
    df["target"] = pd.Series([f"{p or '(none)'}:{m or '(none)'}" for p, m in zip(df["provider"], df["model"])],
                             index=df.index, dtype=object)
    return _typed(numeric(df, ints=THUMB_COLUMNS)[[*KEYS, *THUMB_COLUMNS]])


def compare_votes(engine_or_store: Any, *, since: datetime, until: datetime) -> pd.DataFrame:
    """Per tier, target and simulated, over the comparisons of the window that got a vote: votes (voted
    comparisons the target took part in), vote_wins (it was picked) and vote_ties (the vote was "tie")."""
    engine = engine_of(engine_or_store)
    cmp_, res, log = T_CMP.c, T_CMP_RES.c, T_LOG.c
    logged = (sa.select(log.complexity, log.simulated)
              .where(log.source == "compare", log.response == res.text, log.ts <= cmp_.ts,
                     log.ts >= to_db_time(since - LOOKBACK))
              .order_by(log.ts.desc(), log.id.desc()).limit(1).correlate(T_CMP, T_CMP_RES))
    per_column = (sa.select(res.comparison_id, res.target, cmp_.winner,
                            logged.with_only_columns(log.complexity).scalar_subquery().label("tier"),
                            logged.with_only_columns(log.simulated).scalar_subquery().label("simulated"))
                  .select_from(T_CMP_RES.join(T_CMP, cmp_.id == res.comparison_id))
                  .where(cmp_.winner.is_not(None), cmp_.ts >= to_db_time(since), cmp_.ts < to_db_time(until))
                  .subquery())
    # A comparison's tier: the one its columns were logged with (any answered column knows it).
    tier = (sa.select(sa.func.max(per_column.c.tier).label("tier"), per_column.c.comparison_id)
            .group_by(per_column.c.comparison_id).subquery())
    p = per_column.c
    stmt = (sa.select(sa.func.coalesce(tier.c.tier, UNKNOWN_TIER).label("tier"), p.target,
                      sa.func.coalesce(p.simulated, sa.false()).label("simulated"),
                      sa.func.count().label("votes"), count_if(p.winner == p.target).label("vote_wins"),
                      count_if(p.winner == "tie").label("vote_ties"))
            .select_from(per_column.join(tier, tier.c.comparison_id == p.comparison_id))
            .group_by(tier.c.tier, p.target, sa.func.coalesce(p.simulated, sa.false())))
    return _typed(numeric(frame(engine, stmt), ints=VOTE_COLUMNS)[[*KEYS, *VOTE_COLUMNS]])


def feedback(engine_or_store: Any, *, since: datetime, until: datetime, org: str | None = None,
             agent: str | None = None, sources: SourceFilter | None = REAL_TRAFFIC_FILTER) -> pd.DataFrame:
    """Thumbs and votes side by side: tier, target, simulated, thumbs_up, thumbs_down, votes, vote_wins,
    vote_ties (zeros where a target had only one kind), most feedback first."""
    up = thumbs(engine_or_store, since=since, until=until, org=org, agent=agent, sources=sources)
    votes = compare_votes(engine_or_store, since=since, until=until)
    df = up.merge(votes, on=KEYS, how="outer")
    df = _typed(numeric(df, ints=[*THUMB_COLUMNS, *VOTE_COLUMNS]))
    weight = df[THUMB_COLUMNS].sum(axis=1) + df["votes"]
    return (df.assign(_w=weight).sort_values(["_w", "tier", "target"], ascending=[False, True, True])
            .drop(columns="_w").reset_index(drop=True)[[*KEYS, *THUMB_COLUMNS, *VOTE_COLUMNS]])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The key columns with one dtype whether or not there are rows (an empty frame merges like a full one)."""
    return df.astype({"tier": object, "target": object, "simulated": bool})
