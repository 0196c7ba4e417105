"""The shapes rows take: the interaction record the router builds, and the attempt rows of its trail."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, is_dataclass
from datetime import datetime
from typing import Any

from .codec import dumps, enum_str, to_db_time, utcnow


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _latency(value: Any) -> float:
    try:
        ms = float(value)
    except (TypeError, ValueError):
        return 0.0
    return ms if math.isfinite(ms) else 0.0


def attempt_rows(attempts: Sequence[Any] | None, *, provider: str | None, model: str | None, status: str | None,
                 latency_ms: Any, cached: Any, org: str | None = None, agent: str | None = None,
                 simulated: Any = False,
                 simulated_providers: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The attempt_logs rows of one interaction (without interaction_id and ts), from its attempt trail and
    its own provider, model, status ("ok" / "error"), latency_ms, cached flag, org and agent (copied to
    every row):

    * a cache hit tried no provider: no rows, whatever its trail says;
    * each "ok" / "error" attempt is a row; "skipped" candidates (and malformed entries) are not attempts;
    * an interaction that names a provider but has no trail (written by something other than the router, or
      before trails existed) counts as one attempt of that provider, with its own status and latency;
    * a row is `simulated` when its provider is in `simulated_providers` (the router names the simulated
      vendors it had); without that list, when it is the interaction's own provider and the interaction is
      `simulated` (all that a row written elsewhere tells).
    """
    if cached:
        return []
    if simulated_providers is None:
        simulated_providers = {str(provider)} if simulated and provider else set()
    rows: list[dict[str, Any]] = []
    for attempt in attempts or ():
        if is_dataclass(attempt) and not isinstance(attempt, type):
            attempt = attempt.__dict__
        if not isinstance(attempt, dict):
            continue
        outcome = enum_str(attempt.get("outcome"))
        who = attempt.get("provider")
        if outcome not in ("ok", "error") or not who:
            continue
        retryable = attempt.get("retryable")
        what = attempt.get("model")
        rows.append({"provider": str(who), "model": None if what is None else str(what), "outcome": outcome,
                     "status": _int_or_none(attempt.get("status")), "latency_ms": _latency(attempt.get("latency_ms")),
                     "retryable": None if retryable is None else bool(retryable), "org": org, "agent": agent,
                     "simulated": str(who) in simulated_providers})
    if not rows and provider:
        rows.append({"provider": str(provider), "model": None if model is None else str(model),
                     "outcome": "ok" if (status or "ok") == "ok" else "error", "status": None,
                     "latency_ms": _latency(latency_ms), "retryable": None, "org": org, "agent": agent,
                     "simulated": str(provider) in simulated_providers})
    return rows


@dataclass
class InteractionRecord:
    """One row of interaction_logs, built by the router."""

    org: str | None
    agent: str | None
    session_id: str | None
    prompt: str  # last user message
    messages_json: str  # the whole request as JSON
    response: str | None
    complexity: str
    score: float
    reasons: list[str]
    provider: str | None
    model: str | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    reasoning_tokens: int
    cost_usd: float | None
    baseline_cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None
    cached: bool
    status: str  # "ok" | "error"
    error: str | None
    attempts: list[dict] = field(default_factory=list)
    simulated: bool = False
    ts: datetime | None = None  # default now (UTC)
    source: str | None = None  # playground, gateway, cli, ...
    agent_version: int | None = None  # the version of `agent` used (None: no agent)
    # the providers that were simulated vendors when tried (their attempt rows are marked); None: see attempt_rows
    simulated_providers: tuple[str, ...] | None = None

    def to_row(self) -> dict[str, Any]:
        messages = self.messages_json if isinstance(self.messages_json, str) else dumps(self.messages_json)
        return {
            "ts": to_db_time(self.ts) or utcnow(),
            "org": self.org, "agent": self.agent, "session_id": self.session_id,
            "prompt": self.prompt or "", "messages_json": messages, "response": self.response,
            "complexity": str(enum_str(self.complexity) or ""), "score": float(self.score or 0.0),
            "reasons": dumps(list(self.reasons or [])),
            "provider": self.provider, "model": self.model,
            "input_tokens": int(self.input_tokens or 0), "output_tokens": int(self.output_tokens or 0),
            "cached_input_tokens": int(self.cached_input_tokens or 0),
            "reasoning_tokens": int(self.reasoning_tokens or 0),
            "cost_usd": None if self.cost_usd is None else float(self.cost_usd),
            "baseline_cost_usd": None if self.baseline_cost_usd is None else float(self.baseline_cost_usd),
            "latency_ms": float(self.latency_ms or 0.0),
            "ttft_ms": None if self.ttft_ms is None else float(self.ttft_ms),
            "cached": bool(self.cached), "status": self.status or "ok", "error": self.error,
            "attempts": dumps(list(self.attempts or [])), "feedback": 0, "simulated": bool(self.simulated),
            "source": self.source, "agent_version": None if self.agent_version is None else int(self.agent_version),
        }
