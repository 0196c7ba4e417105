"""Who answers an experiment's cells: `auto` (the router, under the experiment's policy), `baseline` (the
policy's baseline model) or any configured `provider:model`.

    targets = parse_targets(["auto", "baseline", "groq:llama-3.1-8b-instant"], providers, baseline)
    targets[1].target      # Target("anthropic", "claude-sonnet-5-5"): resolved when the experiment is created
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..catalog import Target, parse_target
from ..errors import RouterError
from .dataset import ExperimentError

AUTO, BASELINE = "auto", "baseline"


@dataclass(frozen=True)
class TargetSpec:
    """A column's target: `label` as written ("auto", "baseline", "provider:model"); `target` None for auto."""

    label: str
    target: Target | None = None

    @property
    def auto(self) -> bool:
        return self.target is None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "target": None if self.target is None else str(self.target)}


def parse_targets(labels: Sequence[str], providers: Mapping[str, Any], baseline: Target) -> list[TargetSpec]:
    """Targets from their labels; ExperimentError for none, a repeat, or an unknown provider or model."""
    cleaned = [str(x).strip() for x in labels if str(x).strip()]
    if not cleaned:
        raise ExperimentError("add at least one target: auto, baseline or provider:model")
    out: list[TargetSpec] = []
    for label in cleaned:
        if label.lower() == AUTO:
            spec = TargetSpec(AUTO)
        elif label.lower() == BASELINE:
            spec = TargetSpec(BASELINE, baseline)
        else:
            try:
                target = parse_target(label, providers)
            except RouterError as exc:
                raise ExperimentError(f"target {label!r}: {exc} (or use auto / baseline)") from None
            spec = TargetSpec(str(target), target)
        same = next((t for t in out if t.label == spec.label or (spec.target and t.target == spec.target)), None)
        if same is not None:
            twice = spec.label if same.label == spec.label else f"{same.label}' and '{spec.label}"
            raise ExperimentError(f"the target '{twice}' is listed twice ({spec.target or 'the router'}); list it once")
        out.append(spec)
    return out


def from_dict(data: Mapping[str, Any], providers: Mapping[str, Any]) -> TargetSpec:
    """A stored target back."""
    target = data.get("target")
    return TargetSpec(str(data["label"]), None if target is None else parse_target(str(target), providers))
