"""A request on its way through the pipeline, and the interaction row it leaves behind."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from .catalog import Target
from .policy import Plan, Policy
from .sources import DEFAULT_SOURCE, check_source
from .statuses import REFUSED
from .store import InteractionRecord
from .types import Attempt, Completion, Complexity, Message, Usage, Verdict, last_user_text


@dataclass
class Request:
    """A validated request on its way through the pipeline."""

    messages: list[Message]
    forced: Target | None
    agent: str | None
    org: str | None
    session_id: str | None
    use_cache: bool
    max_tokens: int | None
    temperature: float | None
    cache_key: str = ""
    verdict: Verdict | None = None
    plan: Plan | None = None
    attempts: list[Attempt] = field(default_factory=list)
    started: float = 0.0
    deadline: float = 0.0
    source: str = DEFAULT_SOURCE  # where the request came from (router_core.sources.SOURCES)
    policy: Policy | None = None  # route under this policy instead of the router's active one
    agent_version: int | None = None  # the version of `agent` applied (router_core.agent_use)
    cache_hit: bool = False  # answered from the cache: its hit is counted in the row's transaction
    leading: bool = False  # computing for identical requests in flight too (router.Router._coalesced)
    notes: dict[Target, str] = field(default_factory=dict)  # per target: what was trimmed to fit its context


def messages_json(messages: Sequence[Message]) -> str:
    """The conversation as the log row keeps it: a JSON list of {role, content}."""
    return json.dumps([{"role": m.role, "content": m.content} for m in messages])


def interaction_record(req: Request, c: Completion | None, error: str | None,
                       elapsed_ms: float, status: str | None = None) -> InteractionRecord:
    """The log row of a finished request: its answer (or error), tier, cost and every attempt.

    `elapsed_ms` is the request's latency so far, used when there is no completion to take it from. `status`
    defaults to "ok" or "error"; a stream stopped mid-answer is "cut" (by the provider) or "cancelled" (by its
    caller), with the partial answer as `c`.
    """
    verdict = req.verdict or Verdict(Complexity.CACHED if c and c.cached else Complexity.MEDIUM, 0.0)
    usage = c.usage if c else Usage()
    return InteractionRecord(
        org=req.org, agent=req.agent, session_id=req.session_id, prompt=last_user_text(req.messages),
        messages_json=messages_json(req.messages),
        response=c.text if c else None, complexity=(c.complexity if c else verdict.level).value,
        score=c.score if c else verdict.score, reasons=list(c.reasons if c else verdict.reasons),
        provider=c.provider if c else None, model=c.model if c else None,
        input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
        cached_input_tokens=usage.cached_input_tokens, reasoning_tokens=usage.reasoning_tokens,
        cost_usd=c.cost_usd if c else 0.0, baseline_cost_usd=c.baseline_cost_usd if c else None,
        latency_ms=c.latency_ms if c else elapsed_ms,
        ttft_ms=c.ttft_ms if c else None, cached=bool(c and c.cached),
        status=status or ("ok" if c and not error else "error"), error=error,
        attempts=[a.__dict__ for a in req.attempts], simulated=bool(c and c.simulated),
        source=req.source, agent_version=req.agent_version)


def storable_text(text: str) -> str:
    """`text` with any unpaired surrogate (JSON can escape half a pair; UTF-8 cannot hold it) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def refusal_record(messages: Sequence[Message], *, status: str, error: str, org: str | None, agent: str | None,
                   session_id: str | None, source: str, latency_ms: float) -> InteractionRecord:
    """The log row of a request refused before routing (router_core.statuses.REFUSED): what it asked (when it
    could be read; a refused prompt may hold what UTF-8 cannot, see storable_text), why it was refused, no tier,
    no answer, cost $0 and no baseline (so no saving)."""
    if status not in REFUSED:
        raise ValueError(f"not a refusal status: {status!r} (one of {', '.join(REFUSED)})")
    return InteractionRecord(
        org=org, agent=agent, session_id=session_id, prompt=storable_text(last_user_text(messages)),
        messages_json=messages_json(messages), response=None,
        complexity="", score=0.0, reasons=[], provider=None, model=None, input_tokens=0, output_tokens=0,
        cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=None, latency_ms=latency_ms,
        ttft_ms=None, cached=False, status=status, error=error, source=check_source(source))
