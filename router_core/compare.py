"""What a comparison returns: one column per target, and how a column is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import Target
from .types import Completion, Verdict


@dataclass
class CompareResult:
    """One column of a comparison: the target and its completion, or its error."""

    target: Target
    completion: Completion | None
    error: str | None


@dataclass
class Comparison:
    """The same request sent to several targets: the verdict, the target auto-routing would pick, the columns."""

    id: int | None
    verdict: Verdict
    auto_route: Target | None
    results: list[CompareResult]


def comparison_row(result: CompareResult) -> dict[str, Any]:
    """One column as the store saves it."""
    c = result.completion
    return {"target": str(result.target), "text": c.text if c else None, "error": result.error,
            "cost_usd": c.cost_usd if c else None, "latency_ms": c.latency_ms if c else None,
            "ttft_ms": c.ttft_ms if c else None, "input_tokens": c.input_tokens if c else None,
            "output_tokens": c.output_tokens if c else None}
