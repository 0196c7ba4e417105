"""The routing policy: tier -> ordered candidates, a last resort, and why a candidate was dropped; optionally a
learned rule that moves a request one tier up (or down) by a learned router's P(the strong model wins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from .catalog import RoutingTable, Target, join_problems, parse_target, validate_routing
from .errors import ConfigError
from .types import Complexity

LAST_RESORT = "last resort"
LEARNED = "learned"  # the policy data's key of the learned rule
LEARNED_REASON = "learned router v"  # how a verdict's reason names a learned move (classifier_level reads it back)
Scorer = Callable[[str, "str | None", float], float]  # (request text, agent, classifier score) -> P(strong wins)


@dataclass(frozen=True)
class LearnedRule:
    """Use stored learned router `artifact` (its version): P(strong wins) >= `threshold` escalates the request to
    the next tier's candidates; below `step_down` (None: never) it goes one tier down."""

    artifact: int
    threshold: float
    step_down: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"artifact": self.artifact, "threshold": self.threshold, "step_down": self.step_down}

    def __str__(self) -> str:
        down = f", below {self.step_down:.3f} one tier down" if self.step_down is not None else ""
        return f"learned router v{self.artifact}: P(strong wins) >= {self.threshold:.3f} escalates{down}"

    @classmethod
    def from_data(cls, value: Any) -> "LearnedRule":
        """Policy data's `learned` object -> a rule; ConfigError saying what is wrong."""
        if not isinstance(value, Mapping):
            raise ConfigError("learned: expected an object with artifact, threshold and step_down")
        try:
            artifact, threshold = int(value["artifact"]), float(value["threshold"])
            down = value.get("step_down")
            step_down = None if down is None else float(down)
        except (KeyError, TypeError, ValueError):
            raise ConfigError("learned: needs an artifact version (a number) and a threshold (0 to 1)") from None
        if artifact < 1 or not 0 <= threshold <= 1.001:
            raise ConfigError("learned: the artifact version is 1 or more and the threshold between 0 and 1")
        if step_down is not None and not 0 <= step_down < threshold:
            raise ConfigError("learned: step_down must be below the threshold")
        return cls(artifact, threshold, step_down)


def classifier_level(level: Complexity, reasons: Sequence[str]) -> Complexity:
    """The tier the plain classifier gave a logged request whose `reasons` record a learned move (the tier before
    it was escalated or stepped down), so a replay can apply any policy's rule afresh."""
    tiers = list(Complexity.tiers())
    if level not in tiers:
        return level
    for reason in reasons:
        if str(reason).startswith(LEARNED_REASON):
            if ", escalated to " in reason and level is not tiers[0]:
                return tiers[tiers.index(level) - 1]
            if ", stepped down to " in reason and level is not tiers[-1]:
                return tiers[tiers.index(level) + 1]
    return level


@dataclass(frozen=True)
class Skip:
    """A candidate the router did not try, and why."""

    target: Target
    reason: str


@dataclass(frozen=True)
class PolicyProblem:
    """One problem of a policy table: where (tier, 1-based candidate number) and what."""

    tier: str | None  # a tier name, "last resort", "baseline", or None for the table as a whole
    position: int | None  # the candidate's number within its tier (1 = tried first)
    message: str

    @property
    def where(self) -> str:
        """"MEDIUM candidate 2", "last resort", "baseline" or "table"."""
        if self.tier is None:
            return "table"
        return f"{self.tier} candidate {self.position}" if self.position is not None else self.tier

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Plan:
    """The candidates to try in order, and the ones dropped."""

    candidates: tuple[Target, ...]
    skipped: tuple[Skip, ...]


class Policy:
    """A named routing table and the baseline savings are measured against.

    `candidates(level)` applies the table to the providers' current availability.
    """

    def __init__(self, routing: RoutingTable, baseline: Target, name: str = "default",
                 why_unavailable: Callable[[str], str | None] = lambda provider: None,
                 learned: LearnedRule | None = None) -> None:
        self.routing = routing
        self.baseline = baseline
        self.name = name
        self.why_unavailable = why_unavailable
        self.learned = learned
        self.scorer: Scorer | None = None  # the loaded learned router (set by the router; None: plain routing)
        self.scorer_org: str | None = None  # the org its outcomes came from (None: every org's)

    def learned_level(self, level: Complexity, score: float, text: str, agent: str | None = None,
                      org: str | None = None) -> tuple[Complexity, str | None]:
        """The tier the learned rule routes a request at, and why (None: the rule did not apply)."""
        rule, scorer = self.learned, self.scorer
        if rule is None or scorer is None or level is Complexity.CACHED:
            return level, None
        if self.scorer_org is not None and org != self.scorer_org:
            return level, None  # trained on another org's outcomes: not used for this one
        p = scorer(text, agent, level.rank + score)
        why = f"{LEARNED_REASON}{rule.artifact}: P(strong wins) {p:.2f}"
        tiers = list(Complexity.tiers())
        i = tiers.index(level)
        if p >= rule.threshold and i + 1 < len(tiers):
            return tiers[i + 1], f"{why} >= {rule.threshold:.2f}, escalated to {tiers[i + 1].value}"
        if rule.step_down is not None and p < rule.step_down and i > 0:
            return tiers[i - 1], f"{why} < {rule.step_down:.2f}, stepped down to {tiers[i - 1].value}"
        return level, f"{why}, tier kept"

    def targets(self, level: Complexity) -> tuple[Target, ...]:
        """The tier's candidates then the last resort, without repeats (CACHED routes like TRIVIAL)."""
        tier = Complexity.TRIVIAL if level is Complexity.CACHED else level
        ordered = list(self.routing.tiers.get(tier, ()))
        if self.routing.last_resort is not None:
            ordered.append(self.routing.last_resort)
        return tuple(dict.fromkeys(ordered))

    def candidates(self, level: Complexity) -> Plan:
        """The tier's targets minus providers that are unconfigured or cooling down (each with a reason)."""
        return self.filter(self.targets(level))

    def filter(self, targets: tuple[Target, ...]) -> Plan:
        keep: list[Target] = []
        skipped: list[Skip] = []
        for target in targets:
            reason = self.why_unavailable(target.provider)
            if reason is None:
                keep.append(target)
            else:
                skipped.append(Skip(target, reason))
        return Plan(tuple(keep), tuple(skipped))

    def to_dict(self) -> dict[str, object]:
        """The table as plain data (for saving and for the editor)."""
        data: dict[str, object] = {t.value: [str(x) for x in self.routing.tiers.get(t, ())] for t in Complexity.tiers()}
        data["last_resort"] = str(self.routing.last_resort) if self.routing.last_resort else ""
        data["baseline"] = str(self.baseline)
        if self.learned is not None:
            data[LEARNED] = self.learned.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object], providers: Mapping, name: str, default_baseline: Target,
                  why_unavailable: Callable[[str], str | None] = lambda provider: None) -> "Policy":
        """Validate plain data into a policy (a missing baseline means `default_baseline`);
        raises ConfigError listing every problem."""
        table = dict(data)
        baseline = table.pop("baseline", None)
        learned = table.pop(LEARNED, None)
        return cls(validate_routing(table, providers),
                   parse_target(str(baseline), providers) if baseline else default_baseline, name, why_unavailable,
                   None if learned is None else LearnedRule.from_data(learned))


def _target_problem(text: object, providers: Mapping, tier: str, position: int | None) -> PolicyProblem | None:
    try:
        parse_target(text, providers)  # type: ignore[arg-type]
    except ConfigError as exc:
        return PolicyProblem(tier, position, str(exc))
    return None


def policy_problems(data: Mapping[str, object], providers: Mapping) -> list[PolicyProblem]:
    """Every problem of policy data (tier -> ordered targets, last_resort, baseline), each with its place.

    The same checks as `Policy.from_dict` (catalog.validate_routing), reported per tier and candidate.
    """
    problems: list[PolicyProblem] = []
    valid = [t.value for t in Complexity.tiers()]
    seen: set[str] = set()
    for key, value in data.items():
        name = str(key)
        if name == LEARNED:
            try:
                LearnedRule.from_data(value)
            except ConfigError as exc:
                problems.append(PolicyProblem(LEARNED, None, str(exc).removeprefix("learned: ")))
            continue
        if name.lower() in ("last_resort", "baseline"):
            if value not in (None, ""):
                label = LAST_RESORT if name.lower() == "last_resort" else "baseline"
                problem = _target_problem(value, providers, label, None)
                problems += [problem] if problem else []
            continue
        tier = name.upper()
        if tier not in valid:
            problems.append(PolicyProblem(name, None, f"unknown tier; use one of {', '.join(valid)} or last_resort"))
            continue
        seen.add(tier)
        targets = [value] if isinstance(value, str) else value
        if not isinstance(targets, (list, tuple)):
            problems.append(PolicyProblem(tier, None, "expected a list of \"provider:model\" strings"))
        elif not targets:
            problems.append(PolicyProblem(tier, None, "empty; list at least one candidate"))
        else:
            found = (_target_problem(t, providers, tier, i) for i, t in enumerate(targets, start=1))
            problems += [p for p in found if p]
    problems += [PolicyProblem(t, None, "missing; add at least one candidate") for t in valid if t not in seen]
    return problems


def check_policy(data: Mapping[str, object], providers: Mapping, name: str, default_baseline: Target,
                 why_unavailable: Callable[[str], str | None] = lambda provider: None) -> Policy:
    """`Policy.from_dict`, but a failure is a ConfigError whose `problems` are PolicyProblems."""
    problems = policy_problems(data, providers)
    if not problems:
        try:
            return Policy.from_dict(data, providers, name, default_baseline, why_unavailable)
        except ConfigError as exc:  # a check policy_problems does not know: keep the catalog's words
            problems = [PolicyProblem(None, None, str(exc))]
    raise ConfigError(join_problems([str(p) for p in problems]), problems=problems)
