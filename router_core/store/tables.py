"""The tables (SQLModel), and every table and index name, defined once here.

Analytics and the cache import these names; the migrations (Alembic, `migrations/`) bring older databases to
exactly this shape, and a fresh database is created from it. Times use SQLModel's `UTCDateTime`
(timestamptz on PostgreSQL, 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text on SQLite).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 12  # written to schema_meta, so releases from before Alembic refuse a newer database

LOG_TABLE = "interaction_logs"
ATTEMPT_TABLE = "attempt_logs"
CACHE_TABLE = "response_cache"
AGENT_TABLE = "agent_catalog"
AGENT_VERSION_TABLE = "agent_versions"  # every edit of an agent (since v8; queries in agents.py)
POLICY_TABLE = "routing_policies"
HEALTH_TABLE = "health_checks"
COMPARISON_TABLE = "comparisons"
COMPARISON_RESULT_TABLE = "comparison_results"
META_TABLE = "schema_meta"
# the gateway's team keys (since v5; queries in keys.py)
KEY_TABLE = "gateway_keys"
BUDGET_WINDOW_TABLE = "gateway_budget_windows"
RATE_BUCKET_TABLE = "gateway_rate_buckets"
# evaluation runs and judge verdicts (since v6; queries in evals.py and verdicts.py)
EVAL_RUN_TABLE = "eval_runs"
EVAL_ITEM_TABLE = "eval_items"
VERDICT_TABLE = "quality_verdicts"
# prompt experiments (since v9; queries in experiments.py)
EXPERIMENT_TABLE = "experiments"
EXPERIMENT_CELL_TABLE = "experiment_cells"
# labelled outcomes and the learned routers trained on them (since v10; queries in outcomes.py)
OUTCOME_TABLE = "outcomes"
LEARNED_TABLE = "learned_routers"
# the request log added up per UTC day (since v12; written with each interaction, queries in analytics/summary.py)
SUMMARY_TABLE = "interaction_summary"

# interaction_logs: the request log's filters (each ends in ts) and the dashboards' covering indexes
IX_LOG_ORG_TS = "ix_interaction_logs_org_ts"
IX_LOG_AGENT_TS = "ix_interaction_logs_agent_ts"
IX_LOG_PROVIDER_TS = "ix_interaction_logs_provider_ts"
IX_LOG_STATUS_TS = "ix_interaction_logs_status_ts"
IX_LOG_TS = "ix_interaction_logs_ts"
IX_LOG_COMPLEXITY_TS = "ix_interaction_logs_complexity_ts"
IX_LOG_PROVIDER_MODEL_TS = "ix_interaction_logs_provider_model_ts"
IX_LOG_LATENCY = "ix_interaction_logs_latency"
IX_LOG_FEEDBACK = "ix_interaction_logs_feedback"
# attempt_logs (see AttemptLog for which exist on which database)
IX_ATT_INTERACTION = "ix_attempt_logs_interaction"
IX_ATT_PROVIDER_TS = "ix_attempt_logs_provider_ts"
IX_ATT_PROVIDER_LATENCY = "ix_attempt_logs_provider_latency"
IX_ATT_ORG = "ix_attempt_logs_org"
IX_ATT_AGENT = "ix_attempt_logs_agent"
IX_ATT_TS_PROVIDER = "ix_attempt_logs_ts_provider"
# eval_items / quality_verdicts
UQ_EVAL_ITEM = "uq_eval_items_run_prompt_contestant"
UQ_VERDICT_EVAL = "uq_quality_verdicts_run_prompt_contestant"
IX_VERDICT_TS = "ix_quality_verdicts_ts"
IX_VERDICT_INTERACTION = "ix_quality_verdicts_interaction"
# experiments / experiment_cells
UQ_EXPERIMENT_CELL = "uq_experiment_cells_cell"
# outcomes / learned_routers
UQ_OUTCOME_LINK = "uq_outcomes_link"
IX_OUTCOME_SOURCE_TS = "ix_outcomes_source_ts"
# interaction_summary
UQ_SUMMARY_GROUP = "uq_interaction_summary_group"


class StoreModel(SQLModel, registry=registry()):
    """Base of Switchboard's tables: their own metadata, so nobody else's SQLModel tables mix in."""


def _text(nullable: bool = True, default: str | None = None) -> Any:
    kw: dict[str, Any] = {"sa_type": sa.Text, "nullable": nullable}
    if default is not None:
        kw["default"] = default
    return Field(**kw)


def _false() -> Any:
    """A NOT NULL flag, false unless set, also for INSERTs that do not name it (a column added by a migration)."""
    return Field(default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()})


def _index(name: str, *columns: str, sqlite: bool | None = None) -> sa.Index:
    """An index on every database (`sqlite=None`), only on SQLite (True) or everywhere but SQLite (False):
    SQLite and a planner with hash joins and parallel scans want different access paths, and every
    index costs each write."""
    index = sa.Index(name, *columns, info={"sqlite": sqlite})
    if sqlite is not None:
        index.ddl_if(callable_=lambda ddl, target, bind, **kw: index_applies(target, kw["dialect"].name))
    return index


def index_applies(index: sa.Index, dialect: str) -> bool:
    only = index.info.get("sqlite")
    return only is None or only == (dialect == "sqlite")


# Columns the dashboards read; the analytics indexes carry them so queries never touch the table rows.
ANALYTICS_COLUMNS = ("org", "agent", "status", "cached", "complexity", "provider", "model", "cost_usd",
                     "baseline_cost_usd", "latency_ms", "input_tokens", "output_tokens", "source")


class InteractionLog(StoreModel, table=True):
    __tablename__ = LOG_TABLE
    __table_args__ = (
        # Request log: every filter index ends in ts, so "WHERE x = ? ORDER BY ts DESC LIMIT n" walks it.
        sa.Index(IX_LOG_ORG_TS, "org", "ts"),
        sa.Index(IX_LOG_AGENT_TS, "agent", "ts"),
        sa.Index(IX_LOG_PROVIDER_TS, "provider", "ts"),
        sa.Index(IX_LOG_STATUS_TS, "status", "ts"),
        # Dashboards (router_core.analytics): covering indexes, so an aggregate reads a narrow index in order and
        # never the wide rows (prompt, response, messages_json), and GROUP BY needs no sort.
        sa.Index(IX_LOG_TS, "ts", *ANALYTICS_COLUMNS),
        sa.Index(IX_LOG_COMPLEXITY_TS, "complexity", "ts",
                 *[c for c in ANALYTICS_COLUMNS if c != "complexity"]),
        sa.Index(IX_LOG_PROVIDER_MODEL_TS, "provider", "model", "ts",
                 *[c for c in ANALYTICS_COLUMNS if c not in ("provider", "model")]),
        # Nearest-rank percentiles: walk latencies in order instead of sorting them, every filter inside the index
        # (since v12: source and agent_version too, else each step of the walk read its wide row). (Per provider
        # they come from attempt_logs since v3, whose migration drops v2's ix_interaction_logs_provider_latency.)
        sa.Index(IX_LOG_LATENCY, "status", "latency_ms", "ts", "org", "agent", "source", "agent_version"),
        # Thumbs (analytics.feedback): only the few rows with feedback, covering (since v12). A query uses it when
        # it says `feedback != 0` with a literal 0.
        sa.Index(IX_LOG_FEEDBACK, "ts", "feedback", "complexity", "provider", "model", "simulated", "org", "agent",
                 "source", "agent_version", sqlite_where=sa.text("feedback != 0"),
                 postgresql_where=sa.text("feedback != 0")),
    )

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    org: str | None = None
    agent: str | None = None
    session_id: str | None = None
    prompt: str = _text(nullable=False, default="")
    messages_json: str = _text(nullable=False, default="[]")
    response: str | None = _text()
    complexity: str = Field(default="", nullable=False)
    score: float = Field(default=0.0, nullable=False)
    reasons: str = _text(nullable=False, default="[]")
    provider: str | None = None
    model: str | None = None
    input_tokens: int = Field(default=0, nullable=False)
    output_tokens: int = Field(default=0, nullable=False)
    cached_input_tokens: int = Field(default=0, nullable=False)
    reasoning_tokens: int = Field(default=0, nullable=False)
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    latency_ms: float = Field(default=0.0, nullable=False)
    ttft_ms: float | None = None
    cached: bool = Field(default=False, nullable=False)
    status: str = Field(default="ok", nullable=False)
    error: str | None = _text()
    attempts: str = _text(nullable=False, default="[]")
    feedback: int = Field(default=0, nullable=False)
    simulated: bool = Field(default=False, nullable=False)
    source: str | None = None  # playground, gateway, ... (since v5; NULL on older rows)
    agent_version: int | None = None  # the agent's version the request used (since v8; NULL before)


class AttemptLog(StoreModel, table=True):
    """One try of one provider for one interaction: what error rates and provider latency are counted from.

    Written with its interaction, in the same transaction. `ts` is the interaction's ts (so attempt windows
    and request windows agree); `outcome` is "ok" or "error" (skipped candidates were never tried, cache
    hits tried nobody); `status` is the provider's HTTP status when there was one. `org` and `agent` are
    copied from the interaction (since v4), so org / agent filters read attempt_logs alone, no join.
    No foreign key: rows are only ever inserted with their interaction, and the check would cost every write.

    `simulated` (since v11): the provider was a simulated vendor when it was tried (demo mode), so Health shows
    live figures without demo traffic; it ends every per-provider index, so that filter is checked inside them.

    Indexes (covering: the aggregates never read the table rows), as few as the queries need, to keep
    `Store.log_interaction` cheap:
      everywhere     (interaction_id, ...)  an interaction's attempts
      SQLite         (provider, ts, ...)    per provider, one range seek per window: no GROUP BY sort
                     (provider, outcome, latency_ms, ts, simulated)  nearest-rank percentiles by an index walk
                     (org, provider, outcome, latency_ms, ts, agent, simulated)  the same for one org (and
                                            agent): GROUP BY provider in index order, percentiles by a walk
                     (agent, provider, outcome, latency_ms, ts, simulated)       the same for one agent
      other          (ts, provider, outcome, latency_ms, org, agent, simulated)  the window's range, org /
                                            agent filtered inside the index, aggregated by the planner
    """

    __tablename__ = ATTEMPT_TABLE
    __table_args__ = (
        _index(IX_ATT_INTERACTION, "interaction_id", "provider", "outcome", "latency_ms"),
        _index(IX_ATT_PROVIDER_TS, "provider", "ts", "outcome", "latency_ms", "simulated", sqlite=True),
        _index(IX_ATT_PROVIDER_LATENCY, "provider", "outcome", "latency_ms", "ts", "simulated", sqlite=True),
        _index(IX_ATT_ORG, "org", "provider", "outcome", "latency_ms", "ts", "agent", "simulated", sqlite=True),
        _index(IX_ATT_AGENT, "agent", "provider", "outcome", "latency_ms", "ts", "simulated", sqlite=True),
        _index(IX_ATT_TS_PROVIDER, "ts", "provider", "outcome", "latency_ms", "org", "agent", "simulated",
               sqlite=False),
    )

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(nullable=False)
    ts: datetime = Field(nullable=False)
    provider: str = Field(nullable=False)
    model: str | None = None
    outcome: str = Field(nullable=False)
    status: int | None = None
    latency_ms: float = Field(default=0.0, nullable=False)
    retryable: bool | None = None
    org: str | None = None
    agent: str | None = None
    simulated: bool = _false()  # a simulated vendor was tried (since v11; older rows: see revision 0010)


class ResponseCacheEntry(StoreModel, table=True):
    __tablename__ = CACHE_TABLE
    __table_args__ = (sa.Index("ix_response_cache_expires_at", "expires_at"),)

    key: str = Field(primary_key=True)
    prompt_preview: str | None = _text()
    response: str = _text(nullable=False, default="")
    provider: str | None = None
    model: str | None = None
    input_tokens: int = Field(default=0, nullable=False)
    output_tokens: int = Field(default=0, nullable=False)
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    hit_count: int = Field(default=0, nullable=False)
    last_hit_at: datetime | None = None
    saved_usd: float = Field(default=0.0, nullable=False)


class Agent(StoreModel, table=True):
    """A saved agent: a named system prompt the chat can route under (`agent=code`).

    `system_prompt` mirrors the agent's current (newest) version in `agent_versions`; an archived agent is
    hidden from pickers but still answers requests that name it (gateway keys bound to it keep working)."""

    __tablename__ = AGENT_TABLE

    code: str = Field(primary_key=True)
    name: str = ""
    role: str = ""
    system_prompt: str = _text(nullable=False, default="")
    archived: bool = Field(default=False, nullable=False)  # since v8


class AgentVersion(StoreModel, table=True):
    """One version of an agent: its prompt and defaults as of one edit (version 1 = as created)."""

    __tablename__ = AGENT_VERSION_TABLE
    __table_args__ = (sa.UniqueConstraint("agent", "version", name="uq_agent_versions_agent_version"),)

    id: int | None = Field(default=None, primary_key=True)
    agent: str = Field(nullable=False)  # agent_catalog.code
    version: int = Field(nullable=False)
    system_prompt: str = _text(nullable=False, default="")
    temperature: float | None = None  # the default when a request gives none
    max_tokens: int | None = None
    target: str | None = None  # "provider:model": always answered by it (unless the caller names one)
    policy: str | None = None  # a saved routing policy's name: routed under it instead of the active one
    note: str = _text(nullable=False, default="")
    created_at: datetime = Field(nullable=False)


class RoutingPolicyRow(StoreModel, table=True):
    __tablename__ = POLICY_TABLE

    name: str = Field(primary_key=True)
    data_json: str = _text(nullable=False, default="{}")
    active: bool = Field(default=False, nullable=False)
    revision: int = Field(default=0, nullable=False)
    updated_at: datetime | None = None


class HealthCheck(StoreModel, table=True):
    __tablename__ = HEALTH_TABLE
    __table_args__ = (sa.Index("ix_health_checks_ts", "ts"), sa.Index("ix_health_checks_provider_ts", "provider", "ts"))

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    provider: str = Field(nullable=False)
    reachable: bool = Field(nullable=False)
    latency_ms: float | None = None
    detail: str = _text(nullable=False, default="")
    simulated: bool = _false()  # the check asked a simulated vendor (since v11; older rows count as real)


class Comparison(StoreModel, table=True):
    __tablename__ = COMPARISON_TABLE
    __table_args__ = (sa.Index("ix_comparisons_ts", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    prompt: str = _text(nullable=False, default="")
    system: str | None = _text()
    winner: str | None = None
    voted_at: datetime | None = None


class ComparisonResult(StoreModel, table=True):
    __tablename__ = COMPARISON_RESULT_TABLE
    __table_args__ = (sa.Index("ix_comparison_results_comparison_id", "comparison_id"),)

    id: int | None = Field(default=None, primary_key=True)
    comparison_id: int = Field(foreign_key=f"{COMPARISON_TABLE}.id", nullable=False)
    position: int = Field(default=0, nullable=False)
    target: str = Field(nullable=False)
    provider: str | None = None
    model: str | None = None
    text: str | None = _text()
    cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = _text()


class EvalRun(StoreModel, table=True):
    """One evaluation run: a prompt set (kept whole in `prompts_json`, so a run resumes in any process) x the
    router under `policy`, the `baseline` and `extra_targets`, judged by `judge`.

    status: running (also a run whose process died: resume it), done, partial (stopped at `max_cost_usd`),
    failed (`error` says why)."""

    __tablename__ = EVAL_RUN_TABLE
    __table_args__ = (sa.Index("ix_eval_runs_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(nullable=False)
    updated_at: datetime | None = None
    status: str = Field(default="running", nullable=False)
    name: str = Field(default="", nullable=False)
    prompt_source: str = _text(nullable=False, default="")  # "mt-bench (80 prompts)", "upload: x.csv", "logs ..."
    prompt_count: int = Field(default=0, nullable=False)
    prompts_json: str = _text(nullable=False, default="[]")  # [{"prompt", "reference", "category"}, ...]
    policy: str = Field(default="", nullable=False)
    baseline: str = Field(nullable=False)  # "provider:model"
    judge: str = Field(nullable=False)
    extra_targets: str = _text(nullable=False, default="[]")  # JSON list of "provider:model"
    both_orders: bool = Field(default=True, nullable=False)
    allow_self_judge: bool = Field(default=False, nullable=False)
    max_cost_usd: float | None = None
    concurrency: int = Field(default=4, nullable=False)
    simulated: bool = Field(default=False, nullable=False)  # a contestant or the judge is simulated
    error: str | None = _text()


class EvalItem(StoreModel, table=True):
    """One contestant's answer to one prompt of a run (stored the moment it exists).

    contestant: "router", "baseline" or an extra target's "provider:model". `paid` is False when the answer
    was not bought for this row (the router's answer reused as the baseline's when it routed to the baseline).
    `error` is set when no answer came back (such a row is retried on resume)."""

    __tablename__ = EVAL_ITEM_TABLE
    __table_args__ = (sa.UniqueConstraint("run_id", "prompt_index", "contestant", name=UQ_EVAL_ITEM),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key=f"{EVAL_RUN_TABLE}.id", nullable=False)
    prompt_index: int = Field(nullable=False)
    prompt: str = _text(nullable=False, default="")
    reference: str | None = _text()
    category: str | None = None
    tier: str | None = None
    contestant: str = Field(nullable=False)
    provider: str | None = None
    model: str | None = None
    answer: str | None = _text()
    cost_usd: float | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    paid: bool = Field(default=True, nullable=False)
    error: str | None = _text()
    simulated: bool = Field(default=False, nullable=False)
    interaction_id: int | None = None
    created_at: datetime = Field(nullable=False)


class QualityVerdict(StoreModel, table=True):
    """The judge's verdict on one contestant's answer against the baseline's.

    kind "eval" (run_id, prompt_index, contestant set) or "shadow" (interaction_id set: a live answer checked
    after it was served). outcome, from the contestant's side: win, tie, loss; or not_judged (`reason` says
    why, e.g. the answer came from the judge itself) or error (the judge's reply had no verdict, or the call
    failed). `same_target`: the contestant was the baseline itself, a tie by definition, nobody asked.
    `flipped`: the two orders disagreed (counted as a tie). `explanations`: JSON list, one per order."""

    __tablename__ = VERDICT_TABLE
    __table_args__ = (
        sa.UniqueConstraint("run_id", "prompt_index", "contestant", name=UQ_VERDICT_EVAL),
        sa.Index(IX_VERDICT_TS, "ts", "kind", "simulated", "outcome", "org", "agent"),
        sa.Index(IX_VERDICT_INTERACTION, "interaction_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    kind: str = Field(nullable=False)  # eval | shadow
    run_id: int | None = Field(default=None, foreign_key=f"{EVAL_RUN_TABLE}.id")
    prompt_index: int | None = None
    interaction_id: int | None = None
    contestant: str | None = None  # the run's label ("router", an extra target); NULL for shadow checks
    contestant_target: str | None = None  # "provider:model" that answered
    baseline_target: str = Field(nullable=False)
    judge_target: str = Field(nullable=False)
    tier: str | None = None
    outcome: str = Field(nullable=False)
    same_target: bool = Field(default=False, nullable=False)
    flipped: bool = Field(default=False, nullable=False)
    explanations: str = _text(nullable=False, default="[]")
    reason: str | None = _text()
    judge_cost_usd: float | None = None
    baseline_cost_usd: float | None = None
    simulated: bool = Field(default=False, nullable=False)
    org: str | None = None
    agent: str | None = None


class Experiment(StoreModel, table=True):
    """One prompt experiment: a dataset (kept whole in `inputs_json`) x prompt variants x targets, scored by
    `scorers_json`. Everything is resolved when it is created (an agent's version, the baseline's target), so
    any process resumes it the same way.

    status: running (also one whose process died: resume it), done, partial (stopped at `max_cost_usd`),
    failed (`error` says why)."""

    __tablename__ = EXPERIMENT_TABLE
    __table_args__ = (sa.Index("ix_experiments_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(nullable=False)
    updated_at: datetime | None = None
    status: str = Field(default="running", nullable=False)
    name: str = Field(default="", nullable=False)
    dataset: str = _text(nullable=False, default="")  # "upload faq.csv (3 inputs)", "logged traffic ..."
    input_count: int = Field(default=0, nullable=False)
    inputs_json: str = _text(nullable=False, default="[]")  # [{"vars": {...}, "expected": str | null}, ...]
    variants_json: str = _text(nullable=False, default="[]")  # [{"label", "kind", "system", "template", ...}]
    targets_json: str = _text(nullable=False, default="[]")  # [{"label", "target" | "policy"}, ...]
    scorers_json: str = _text(nullable=False, default="[]")  # [{"name", "kind", ...settings}, ...]
    policy: str = Field(default="", nullable=False)  # the policy `auto` routes under
    judge: str | None = None  # "provider:model" of the judge scorers
    max_cost_usd: float | None = None
    concurrency: int = Field(default=4, nullable=False)
    simulated: bool = Field(default=False, nullable=False)  # a target or the judge is simulated
    error: str | None = _text()


class ExperimentCell(StoreModel, table=True):
    """One input x variant x target of an experiment: the answer (or error) the moment it exists, then its
    scores. `score` is the first scorer's; `score_detail` is JSON with every scorer's result
    ({name: {"score", "detail", "error", "cost_usd", "simulated"}}). `judge_cost_usd` is what scoring this cell
    paid the judge. A cell with an `error` (no answer came back) is asked again on resume."""

    __tablename__ = EXPERIMENT_CELL_TABLE
    __table_args__ = (sa.UniqueConstraint("experiment_id", "input_index", "variant", "target",
                                          name=UQ_EXPERIMENT_CELL),)

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key=f"{EXPERIMENT_TABLE}.id", nullable=False)
    input_index: int = Field(nullable=False)
    variant: str = Field(nullable=False)  # the variant's label
    target: str = Field(nullable=False)  # the target's label: "auto", "baseline" or "provider:model"
    provider: str | None = None  # who answered
    model: str | None = None
    tier: str | None = None
    answer: str | None = _text()
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    score: float | None = None
    score_detail: str = _text(nullable=False, default="{}")
    judge_cost_usd: float | None = None
    error: str | None = _text()
    simulated: bool = Field(default=False, nullable=False)
    interaction_id: int | None = None
    created_at: datetime = Field(nullable=False)
class Outcome(StoreModel, table=True):
    """One labelled outcome: a request, who answered it, and whether that answer was good enough.

    source: judge_eval, judge_shadow, thumbs, votes or checks. `link` names the row it came from
    ("shadow:<verdict id>", "thumbs:<interaction id>", ...): unique, so collecting again adds only new ones.
    `good`: the answer of `target` was good enough. `baseline_good`: the baseline's (the premium model's) answer
    to the same request was, when known. `strong_wins`: the baseline was good where `target` was not (the learned
    router's target; for a row without a known baseline answer, the baseline counts as good).
    `tier` and `score`: the plain classifier's verdict on the request when it was routed (or now, when unknown)."""

    __tablename__ = OUTCOME_TABLE
    __table_args__ = (sa.UniqueConstraint("link", name=UQ_OUTCOME_LINK),
                      sa.Index(IX_OUTCOME_SOURCE_TS, "source", "ts", "org"))

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(nullable=False)
    source: str = Field(nullable=False)
    link: str = Field(nullable=False)
    interaction_id: int | None = None
    verdict_id: int | None = None
    prompt: str = _text(nullable=False, default="")
    tier: str | None = None
    score: float | None = None
    target: str | None = None  # "provider:model" that answered
    good: bool = Field(nullable=False)
    baseline_target: str | None = None
    baseline_good: bool | None = None
    strong_wins: bool = Field(nullable=False)
    cost_usd: float | None = None  # what the answer cost, and what the baseline's would have
    baseline_cost_usd: float | None = None
    simulated: bool = Field(default=False, nullable=False)
    org: str | None = None
    agent: str | None = None


class LearnedRouterRow(StoreModel, table=True):
    """One trained learned router (a version): its portable JSON artifact (weights, hashing parameters, topic
    rates, blend weight, cross-validation results; never a pickle) and what it was trained on."""

    __tablename__ = LEARNED_TABLE

    version: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(nullable=False)
    org: str | None = None  # trained on this org's outcomes only, and used for it only (None: every org)
    n: int = Field(nullable=False)
    sources: str = Field(nullable=False, default="")  # comma-separated sources trained on
    artifact_json: str = _text(nullable=False, default="{}")


class InteractionSummary(StoreModel, table=True):
    """The request log added up per UTC day and group: what the Savings figures read instead of the raw rows.

    One row per (day, org, agent, agent_version, source, provider, model, complexity, cached, status, simulated);
    `group_key` spells those ten values out (NULL and "" apart: see store/summary.py), so one unique index finds
    a day's row whatever its NULLs. Written in log_interaction's transaction (an upsert adding the request's
    share); the money columns are each request's share as analytics/sql.money_columns defines it, so a sum of
    them is the sum over the rows. `unpriced`: successful non-cached requests without cost or baseline.
    `latency_ms`: the sum of the rows' latencies; first_ts / last_ts: the group's earliest and latest request."""

    __tablename__ = SUMMARY_TABLE
    __table_args__ = (sa.UniqueConstraint("day", "group_key", name=UQ_SUMMARY_GROUP),)

    id: int | None = Field(default=None, primary_key=True)
    day: datetime = Field(nullable=False)  # 00:00 UTC of the requests' day
    group_key: str = _text(nullable=False)
    org: str | None = None
    agent: str | None = None
    agent_version: int | None = None
    source: str | None = None
    provider: str | None = None
    model: str | None = None
    complexity: str = Field(nullable=False)
    cached: bool = Field(nullable=False)
    status: str = Field(nullable=False)
    simulated: bool = Field(nullable=False)
    requests: int = Field(default=0, nullable=False)
    input_tokens: int = Field(default=0, nullable=False)
    output_tokens: int = Field(default=0, nullable=False)
    spend_usd: float = Field(default=0.0, nullable=False)
    baseline_usd: float = Field(default=0.0, nullable=False)
    saved_by_cache_usd: float = Field(default=0.0, nullable=False)
    saved_cheaper_usd: float = Field(default=0.0, nullable=False)
    upgrades_usd: float = Field(default=0.0, nullable=False)
    unpriced: int = Field(default=0, nullable=False)
    latency_ms: float = Field(default=0.0, nullable=False)
    first_ts: datetime = Field(nullable=False)
    last_ts: datetime = Field(nullable=False)


class SchemaMeta(StoreModel, table=True):
    __tablename__ = META_TABLE

    key: str = Field(primary_key=True)
    value: str = ""


METADATA = StoreModel.metadata
T_LOG: sa.Table = InteractionLog.__table__  # type: ignore[assignment]
T_ATTEMPT: sa.Table = AttemptLog.__table__  # type: ignore[assignment]
T_CACHE: sa.Table = ResponseCacheEntry.__table__  # type: ignore[assignment]
T_AGENT: sa.Table = Agent.__table__  # type: ignore[assignment]
T_AGENT_VERSION: sa.Table = AgentVersion.__table__  # type: ignore[assignment]
T_POLICY: sa.Table = RoutingPolicyRow.__table__  # type: ignore[assignment]
T_HEALTH: sa.Table = HealthCheck.__table__  # type: ignore[assignment]
T_CMP: sa.Table = Comparison.__table__  # type: ignore[assignment]
T_CMP_RES: sa.Table = ComparisonResult.__table__  # type: ignore[assignment]
T_META: sa.Table = SchemaMeta.__table__  # type: ignore[assignment]
T_EVAL_RUN: sa.Table = EvalRun.__table__  # type: ignore[assignment]
T_EVAL_ITEM: sa.Table = EvalItem.__table__  # type: ignore[assignment]
T_VERDICT: sa.Table = QualityVerdict.__table__  # type: ignore[assignment]
QUALITY_TABLES = (T_EVAL_RUN, T_EVAL_ITEM, T_VERDICT)  # created by revision 0005 (v6)
T_EXPERIMENT: sa.Table = Experiment.__table__  # type: ignore[assignment]
T_EXPERIMENT_CELL: sa.Table = ExperimentCell.__table__  # type: ignore[assignment]
EXPERIMENT_TABLES = (T_EXPERIMENT, T_EXPERIMENT_CELL)  # created by revision 0008 (v9)
T_OUTCOME: sa.Table = Outcome.__table__  # type: ignore[assignment]
T_LEARNED: sa.Table = LearnedRouterRow.__table__  # type: ignore[assignment]
LEARNING_TABLES = (T_OUTCOME, T_LEARNED)  # created by revision 0009 (v10)
T_SUMMARY: sa.Table = InteractionSummary.__table__  # type: ignore[assignment]  (created by revision 0011, v12)

# The gateway's tables (plain SQLAlchemy Core: only keys.py reads them). Times are epoch seconds (float).
T_KEYS = sa.Table(  # one row per team key: only a SHA-256 hash of the key, its display prefix and its settings
    KEY_TABLE, METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("org", sa.String(200), nullable=False),
    sa.Column("agent", sa.String(200)),
    sa.Column("daily_budget_usd", sa.Float),
    sa.Column("monthly_budget_usd", sa.Float),
    sa.Column("rpm", sa.Integer),
    sa.Column("on_budget", sa.String(16), nullable=False, server_default="reject"),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float),
    sa.Column("revoked_at", sa.Float),
)
T_WINDOWS = sa.Table(  # spend and outstanding reservations per key and UTC window ("d:2026-12-02", "m:2026-12")
    BUDGET_WINDOW_TABLE, METADATA,
    sa.Column("key_id", sa.Integer, primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("spent_usd", sa.Float, nullable=False, server_default="0"),
    sa.Column("reserved_usd", sa.Float, nullable=False, server_default="0"),
)
T_BUCKETS = sa.Table(  # one token bucket per key (tokens left, when last refilled), shared by every instance
    RATE_BUCKET_TABLE, METADATA,
    sa.Column("key_id", sa.Integer, primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
GATEWAY_TABLES = (T_KEYS, T_WINDOWS, T_BUCKETS)

LOG_COLUMNS: list[str] = [c.name for c in T_LOG.columns]
