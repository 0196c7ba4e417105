"""Dashboard numbers, aggregated in SQL and returned as small pandas frames.

Every function takes `(engine_or_store, *, since, until, org=None, agent=None)` (the log's aggregates also
`agent_version=None`: one version of the agent): `since` inclusive,
`until` exclusive, aware datetimes (naive ones are taken as UTC). Rows are never loaded one by one
into pandas; only aggregated results are. SQLite and PostgreSQL give the same numbers:

* time buckets are UTC (strftime on SQLite, date_trunc(ts AT TIME ZONE 'UTC') on PostgreSQL) and only
  buckets with at least one request are returned;
* percentiles are nearest-rank (the value at position ceil(p*n) in ascending order): percentile_disc
  on PostgreSQL, an index walk with LIMIT 1 OFFSET ceil(p*n)-1 on SQLite.

Speed on SQLite (the default store, millions of rows): SQLite aggregates by sorting unless the rows
already arrive in GROUP BY order, and reading the wide rows (prompts, responses) is what costs. So each
query names the covering index it reads (`INDEXED BY`, see store/tables.py): aggregates scan a narrow index
in order, GROUP BY complexity / provider follows the index order, time buckets are one correlated
range scan per bucket (no sort), percentiles walk a latency-ordered index. PostgreSQL plans the plain
queries itself (hash aggregates, percentile_disc).

  savings.py     kpis, requests_by_tier, requests_by_provider_model, spend_by_source, measuring_costs,
                 distinct_orgs_agents
  timeseries.py  spend_over_time, cache_hit_rate_over_time, traffic_span
  summary.py     the same figures for windows of whole UTC days, from interaction_summary (the log added up per
                 day and group by Store.log_interaction): what the Savings page reads; `summary=False` reads the
                 raw rows instead (tests prove the two equal)
  providers.py   error_rate_by_provider, latency_by_provider (provider attempts, from attempt_logs)
  feedback.py    thumbs, compare_votes, feedback (both per tier and target, simulated answers apart)
  leaderboard.py leaderboard: Bradley-Terry ratings from Compare votes (bradley_terry.py) beside thumbs and
                 judge win rates, per tier and agent
  sql.py         the pieces they share

Which traffic counts: every request-log aggregate takes `sources` (router_core.sources). The default is real
traffic (playground, api, gateway, and rows logged before sources existed); None counts every row. What
measuring cost (compare, eval, shadow) is `measuring_costs`, never part of the savings. The provider figures
(attempt_logs, which carry no source) count every attempt.

Money definitions (see `kpis`):
  spend      = cost of the non-cached calls whose cost is known (a cache hit costs nothing)
  baseline   = what the same usage would have cost on the baseline model (where known)
  saved on cheaper routes = sum of max(baseline - cost, 0) over non-cached calls where both are known
  upgrades   = sum of max(cost - baseline, 0) over the same calls: spent above the baseline on dearer routes
  saved      = saved by cache (the whole baseline of every hit) + saved on cheaper routes - upgrades (net)
When every call is priced, saved == baseline - spend.
"""

from __future__ import annotations

# The index names, MONEY and WALK_THRESHOLD stay importable from here as before the split (WALK_THRESHOLD is
# read by providers.py: patch it there).
from ..store.tables import IX_ATT_AGENT, IX_ATT_ORG, IX_ATT_PROVIDER_LATENCY, IX_ATT_PROVIDER_TS  # noqa: F401
from ..store.tables import IX_LOG_COMPLEXITY_TS as IX_COMPLEXITY  # noqa: F401
from ..store.tables import IX_LOG_LATENCY as IX_LATENCY  # noqa: F401
from ..store.tables import IX_LOG_PROVIDER_MODEL_TS as IX_PROVIDER_MODEL  # noqa: F401
from ..store.tables import IX_LOG_TS as IX_TS  # noqa: F401
from .feedback import compare_votes, feedback, thumbs
from .leaderboard import leaderboard
from .providers import WALK_THRESHOLD, error_rate_by_provider, latency_by_provider  # noqa: F401
from .savings import (distinct_orgs_agents, kpis, measuring_costs, requests_by_provider_model, requests_by_tier,
                      spend_by_source)
from .sql import BUCKETS, MONEY  # noqa: F401
from .timeseries import cache_hit_rate_over_time, spend_over_time, traffic_span

__all__ = ["kpis", "spend_over_time", "requests_by_tier", "requests_by_provider_model", "cache_hit_rate_over_time",
           "latency_by_provider", "error_rate_by_provider", "distinct_orgs_agents", "traffic_span", "spend_by_source",
           "measuring_costs", "thumbs", "compare_votes", "feedback", "leaderboard", "BUCKETS"]
