"""The routing policy: tier -> ordered candidates, a last resort, and why a candidate was dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from .catalog import RoutingTable, Target, parse_target, validate_routing
from .types import Complexity


@dataclass(frozen=True)
class Skip:
    """A candidate the router did not try, and why."""

    target: Target
    reason: str


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
                 why_unavailable: Callable[[str], str | None] = lambda provider: None) -> None:
        self.routing = routing
        self.baseline = baseline
        self.name = name
        self.why_unavailable = why_unavailable

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
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object], providers: Mapping, name: str, default_baseline: Target,
                  why_unavailable: Callable[[str], str | None] = lambda provider: None) -> "Policy":
        """Validate plain data into a policy (a missing baseline means `default_baseline`);
        raises ConfigError listing every problem."""
        table = dict(data)
        baseline = table.pop("baseline", None)
        return cls(validate_routing(table, providers),
                   parse_target(str(baseline), providers) if baseline else default_baseline, name, why_unavailable)
