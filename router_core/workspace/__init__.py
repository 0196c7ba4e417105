"""The workspace: everything a front end needs besides routing itself.

    from router_core import Router
    from router_core.workspace import Workspace

    ws = Workspace(Router.from_env())
    ws.save_policy("cheaper-medium", data)          # validated; ConfigError.problems says where
    ws.log_page(2, 50, status="error").rows
    ws.estimate_prompt("Compare Postgres and Mongo").candidates
    ws.mode().why, ws.tier_gaps()                   # demo or live and why; tiers nothing can serve now
    ws.quality_headline(since, until)               # measured quality (see evaluations.py for runs)
    ws.leaderboard(since, until, tier="SIMPLE")      # the team's Bradley-Terry ratings from Compare votes
    ws.create_experiment(dataset, variants=..., targets=["auto", "baseline"], scorers=[{"kind": "exact"}])
    ws.train_learned_router(["judge"])              # outcomes -> a learned router (see learning.py)

Pages, the CLI and the HTTP gateway use the Router (complete, stream, explain, compare, check_health,
.config, .policy) and this face; only this package reaches into the router's store, cache, breaker and
price table, always through their public methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..policy import LAST_RESORT, PolicyProblem
from .mode import ModeOps, ModeStatus
from .compare import AUTO_TARGET, CompareOps
from .evaluations import EvaluationOps, QualityHeadline
from .experiments import ExperimentOps
from .insights import CandidateCost, InsightOps, PromptEstimate
from .keys import KeyOps, KeyRow
from .leaderboard import LeaderboardOps
from .learning import MIN_OUTCOMES, MIN_POLICY_OUTCOMES, SOURCE_LABELS, LearnedInfo, LearningOps
from .policies import FILE_POLICY, TIERS, PolicyOps, TierChange, TierPlan, rows_to_data, table_rows
from .agents import AgentDiff, AgentOps, AgentProfile, AgentVersionInfo
from .records import LogPage, RecordOps, WorkspaceError
from .system import CacheStats, ProviderStatus, SettingsFacts, SystemOps

if TYPE_CHECKING:
    from ..router import Router


class Workspace(PolicyOps, InsightOps, RecordOps, AgentOps, SystemOps, ModeOps, CompareOps, KeyOps, EvaluationOps,
                LeaderboardOps, ExperimentOps, LearningOps):
    """One front end's view of a Router: policies, agents, estimates, savings, logs, health, cache, settings,
    the gateway's team keys, evaluation runs, measured quality, the team's leaderboard, prompt experiments and
    learned routing."""

    def __init__(self, router: "Router") -> None:
        self.router = router


__all__ = ["Workspace", "AUTO_TARGET", "WorkspaceError", "FILE_POLICY", "TIERS", "LAST_RESORT", "PolicyProblem",
           "TierChange", "TierPlan", "CandidateCost", "PromptEstimate", "LogPage", "AgentProfile", "AgentVersionInfo",
           "AgentDiff", "ProviderStatus", "CacheStats", "SettingsFacts", "ModeStatus", "rows_to_data", "table_rows",
           "KeyRow", "QualityHeadline", "LearnedInfo", "SOURCE_LABELS",
           "MIN_OUTCOMES", "MIN_POLICY_OUTCOMES"]
