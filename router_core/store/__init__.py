"""Persistence: SQLModel tables on SQLite (WAL) by default, or any SQLAlchemy URL (PostgreSQL via psycopg).

Everything Switchboard remembers lives here: one row per routed request (`interaction_logs`), one row per
provider attempt of those requests (`attempt_logs`, what the per-provider health figures count), the response
cache (`response_cache`, used by `router_core.cache`), saved agents (`agent_catalog`), routing policies
(`routing_policies`), provider health history (`health_checks`), side-by-side comparisons (`comparisons` +
`comparison_results`), the gateway's team keys, budget windows and rate buckets (`gateway_keys`,
`gateway_budget_windows`, `gateway_rate_buckets`), evaluation runs and the judge's verdicts (`eval_runs`,
`eval_items`, `quality_verdicts`), prompt experiments (`experiments`, `experiment_cells`), labelled outcomes and
learned routers (`outcomes`, `learned_routers`), and the schema's revision (`alembic_version`, plus `schema_meta`
for older releases).

  engine.py       URL normalising, engines (SQLite WAL / busy timeout), the schema and policy locks
  tables.py       the tables, and every table and index name (imported by analytics and the cache)
  schema.py       create or migrate on open; migrations/ holds the Alembic revisions (v1 -> v2 -> ... -> v10)
  codec.py        UTC times, JSON, result frames
  records.py      InteractionRecord (what the router logs) and attempt_rows (its attempts)
  interactions.py agents.py policies.py health.py comparisons.py evals.py verdicts.py experiments.py
                  outcomes.py
                  one repository per concern
  keys.py         KeyStore: the gateway's keys, budgets and rate limits (used by router_core.gateway)
  facade.py       Store, which opens everything and combines the repositories

Times come back as UTC-aware datetimes; arguments may be aware (converted) or naive (taken as UTC).
Nothing here reads or stores a secret; error messages never include the database password.
"""

from __future__ import annotations

from .agents import DEFAULT_AGENTS
from .codec import dumps, from_db_time, to_db_time, utcnow
from .engine import normalize_url
from .errors import StoreError
from .facade import Store
from .migrations.steps import LEGACY_CACHE_TTL
from .records import InteractionRecord, attempt_rows
from .tables import (ANALYTICS_COLUMNS, LOG_COLUMNS, METADATA, SCHEMA_VERSION, T_AGENT, T_ATTEMPT, T_CACHE, T_CMP,
                     T_CMP_RES, T_HEALTH, T_LOG, T_META, T_POLICY, Agent, AttemptLog, Comparison, ComparisonResult,
                     HealthCheck, InteractionLog, ResponseCacheEntry, RoutingPolicyRow, SchemaMeta, StoreModel)

__all__ = ["Store", "StoreError", "InteractionRecord", "Agent", "InteractionLog", "AttemptLog",
           "ResponseCacheEntry", "RoutingPolicyRow", "HealthCheck", "Comparison", "ComparisonResult", "SchemaMeta",
           "SCHEMA_VERSION", "DEFAULT_AGENTS", "utcnow", "to_db_time", "from_db_time", "normalize_url",
           "attempt_rows", "dumps", "StoreModel", "METADATA", "LOG_COLUMNS", "ANALYTICS_COLUMNS", "T_LOG", "T_ATTEMPT",
           "T_CACHE", "T_AGENT", "T_POLICY", "T_HEALTH", "T_CMP", "T_CMP_RES", "T_META", "LEGACY_CACHE_TTL"]
