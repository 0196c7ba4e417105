"""Learned routing for a front end: outcome counts, training, held-out curves, thresholds, a learned policy.

    ws.outcome_counts()                                    # per source: n, good, strong_wins, simulated
    trained = ws.train_learned_router(["judge", "thumbs"])  # collect, fit, cross-validate, store (a new version)
    pick = ws.learned_threshold(trained.version, target=0.95)
    ws.save_learned_policy("learned-v3", trained.version, pick.threshold)   # saved INACTIVE

Training never changes routing: a learned policy is saved inactive and activated (or rolled back, compared)
like any other policy. No learned policy comes from fewer than MIN_POLICY_OUTCOMES outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..learning.artifact import Artifact, ArtifactError
from ..learning.collect import collect_outcomes, expand_sources
from ..learning.limits import MIN_OUTCOMES, MIN_POLICY_OUTCOMES
from ..policy import LEARNED, LearnedRule, Policy

if TYPE_CHECKING:
    from ..learning.threshold import ThresholdProjection
    from ..router import Router

SOURCE_LABELS = {"judge_eval": "Judge: evaluation runs", "judge_shadow": "Judge: shadow checks",
                 "thumbs": "Thumbs", "votes": "Compare votes", "checks": "Known-answer checks"}


@dataclass(frozen=True)
class LearnedInfo:
    """One stored learned router: version, when, on what, and its held-out scores."""

    version: int
    created_at: datetime | None
    org: str | None
    n: int
    sources: tuple[str, ...]
    by_source: dict[str, int]
    cv: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The learn command's JSON figures."""
        return {"version": self.version, "n": self.n, "org": self.org, "by_source": self.by_source,
                "learned_apgr": _r(self.cv.get("learned_apgr")), "learned_sd": _r(self.cv.get("learned_sd")),
                "classifier_apgr": _r(self.cv.get("classifier_apgr")),
                "classifier_sd": _r(self.cv.get("classifier_sd")), "folds": self.cv.get("folds"),
                "meta_used": bool(self.cv.get("meta_used")),
                "learned_apgr_no_meta": _r(self.cv.get("learned_apgr_no_meta", self.cv.get("learned_apgr"))),
                "learned_sd_no_meta": _r(self.cv.get("learned_sd_no_meta", self.cv.get("learned_sd")))}


def learned_note(policy: Policy, quality: "ThresholdProjection | None") -> str:
    """What a replay of a learned policy says about its quality (from the artifact's held-out outcomes)."""
    rule = policy.learned
    if quality is None:
        return (f"Policy {policy.name!r} uses learned router v{rule.artifact if rule else '?'}, which cannot be read "
                "(or has no held-out outcomes): these prompts are routed by the plain classifier.")
    pct = (lambda x: f"{100 * x:.1f} %")
    return (f"Projected quality of the learned rule (P(strong wins) >= {quality.threshold:.3f} escalates), from "
            f"{quality.n:,} held-out outcomes: {pct(quality.quality)} of the baseline's (95 % interval "
            f"{pct(quality.quality_ci[0])} – {pct(quality.quality_ci[1])}), escalating {pct(quality.escalated)} of "
            "requests. The outcomes were judged against the baseline, not on these prompts.")


def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _info(row: dict[str, Any], artifact: dict[str, Any]) -> LearnedInfo:
    return LearnedInfo(int(row["version"]), row.get("created_at"), row.get("org"), int(row["n"]),
                       tuple(row.get("sources") or ()), dict(artifact.get("by_source") or {}),
                       {k: v for k, v in (artifact.get("cv") or {}).items() if k != "held_out"})


class LearningOps:
    """The learned-routing part of the Workspace (needs `self.router`; uses PolicyOps.save_policy)."""

    router: "Router"

    def collect_outcomes(self, sources: Sequence[str] | None = None) -> dict[str, int]:
        """Turn stored verdicts, thumbs, votes and checks into outcomes (only new ones); added per source."""
        return collect_outcomes(self.router.store, baseline=str(self.router.policy.baseline),
                                sources=expand_sources(sources))

    def outcome_counts(self, org: str | None = None) -> dict[str, dict[str, int]]:
        """Per outcome source: n, good, strong_wins, simulated."""
        return self.router.store.outcome_counts(org)

    def train_learned_router(self, sources: Sequence[str] | None = None, org: str | None = None) -> LearnedInfo:
        """Collect, train on the chosen sources (and org), cross-validate, store as a new version.
        learning.training.TooFewOutcomes (nothing stored) below its minimum or with one kind of outcome."""
        from ..learning.training import train

        chosen = expand_sources(sources)
        self.collect_outcomes(chosen)
        outcomes = self.router.store.outcomes(sources=chosen, org=org)
        artifact = train(outcomes, sources=chosen, org=org)
        version = self.router.store.save_learned_router(artifact, n=artifact["n"], sources=chosen, org=org)
        return _info(self.router.store.learned_router(version) or {}, artifact)

    def learned_routers(self, limit: int = 20) -> list[LearnedInfo]:
        """The stored learned routers, newest first (unreadable artifacts are left out)."""
        out = []
        for row in self.router.store.learned_routers(limit):
            try:
                out.append(_info(row, Artifact.from_json(row["artifact_json"]).data))  # type: ignore[arg-type]
            except ArtifactError:
                continue
        return out

    def learned_artifact(self, version: int) -> dict[str, Any]:
        """A stored artifact, checked (ConfigError when missing, corrupt or made for other features)."""
        row = self.router.store.learned_router(version)
        if row is None:
            raise ConfigError(f"no stored learned router v{version}; train one first")
        try:
            return dict(Artifact.from_json(row["artifact_json"]).data)
        except ArtifactError as exc:
            raise ConfigError(f"learned router v{version}: {exc}") from None

    def learned_curves(self, version: int) -> dict[str, list[dict[str, float]]]:
        """Held-out cost-quality curves of the learned router and the plain classifier."""
        from ..learning.threshold import HeldOut, curves

        return curves(HeldOut.of(self.learned_artifact(version)))

    def learned_threshold(self, version: int, target: float = 0.95) -> "ThresholdProjection":
        """The threshold keeping >= `target` of the baseline's quality at the least cost, on held-out outcomes."""
        from ..learning.threshold import HeldOut, choose

        held = HeldOut.of(self.learned_artifact(version))
        if len(held) == 0:
            raise ConfigError(f"learned router v{version} has no held-out outcomes to choose a threshold on")
        return choose(held, target)

    def learned_projection(self, policy: Policy) -> "ThresholdProjection | None":
        """Projected quality and cost of a learned policy from its artifact's held-out outcomes (None: not a learned
        policy, or its artifact cannot be read)."""
        from ..learning.threshold import HeldOut, project

        if policy.learned is None:
            return None
        try:
            held = HeldOut.of(self.learned_artifact(policy.learned.artifact))
        except ConfigError:
            return None  # unreadable: the router routes this policy by the plain classifier
        return project(held, policy.learned.threshold) if len(held) else None

    def save_learned_policy(self, name: str, version: int, threshold: float, *, step_down: float | None = None,
                            base: Policy | None = None) -> Policy:
        """Save `base` (default: the active policy's table) with a learned rule, INACTIVE. Refused below
        MIN_POLICY_OUTCOMES outcomes or for an unreadable artifact."""
        artifact = self.learned_artifact(version)
        if int(artifact.get("n", 0)) < MIN_POLICY_OUTCOMES:
            raise ConfigError(f"learned router v{version} learned from {artifact.get('n')} outcomes; a learned policy "
                              f"needs at least {MIN_POLICY_OUTCOMES} (collect more and train again)")
        data = (base or self.active_policy()).to_dict()  # type: ignore[attr-defined]
        data[LEARNED] = LearnedRule(int(version), float(threshold), step_down).to_dict()
        return self.save_policy(name, data, activate=False)  # type: ignore[attr-defined]
