"""Plain data that flows through the pipeline: messages, usage, provider results, verdicts, completions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum

LOG_WAIT_S = 120.0  # how long reading an answer's log id waits for the writer at most


@dataclass(frozen=True)
class Message:
    """One chat turn. `role` is "system", "user" or "assistant"."""

    role: str
    content: str


def last_user_text(messages: Sequence[Message]) -> str:
    """The text of the last user turn ("" when there is none): what a request asks, as logged and judged."""
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


class Complexity(str, Enum):
    """How hard a request is; the routing table has one row per tier (CACHED marks cache hits)."""

    TRIVIAL = "TRIVIAL"
    SIMPLE = "SIMPLE"
    MEDIUM = "MEDIUM"
    COMPLEX = "COMPLEX"
    EXPERT = "EXPERT"
    CACHED = "CACHED"

    @property
    def rank(self) -> int:
        """0 (TRIVIAL) .. 4 (EXPERT); CACHED ranks -1."""
        return _RANKS[self]

    @classmethod
    def tiers(cls) -> list["Complexity"]:
        """The five routable tiers, easiest first."""
        return [cls.TRIVIAL, cls.SIMPLE, cls.MEDIUM, cls.COMPLEX, cls.EXPERT]


_RANKS = {level: i for i, level in enumerate(Complexity.tiers())} | {Complexity.CACHED: -1}


@dataclass(frozen=True)
class Usage:
    """Token counts as the vendor reported them.

    `input_tokens` is the whole prompt (cached part included); `output_tokens` is everything billed as
    output (reasoning/thinking included). The sub-counts say how much of each was cached or reasoning.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


class _TokenCounts:
    """`input_tokens` / `output_tokens` shortcuts for anything that carries a `usage`."""

    usage: Usage

    @property
    def input_tokens(self) -> int:
        return self.usage.input_tokens

    @property
    def output_tokens(self) -> int:
        return self.usage.output_tokens


def estimated_usage(messages: Sequence[Message], text: str) -> Usage:
    """A rough count (4 characters a token) for an answer that stopped before the vendor reported its usage."""
    return Usage(input_tokens=sum(len(m.content) for m in messages) // 4, output_tokens=max(1, len(text) // 4))


@dataclass(frozen=True)
class ProviderResult(_TokenCounts):
    """What one provider call returned."""

    text: str
    model: str
    usage: Usage
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class Health:
    """Result of a no-token health check (a listing endpoint)."""

    reachable: bool
    latency_ms: float | None
    detail: str
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The classifier's judgement: a tier, a score in [0, 1] inside the tier's band, readable reasons, and the
    prompt's `difficulty` in [0, 1): how likely a strong model is to beat a small one on it, from length,
    reasoning load and sub-parts across tiers (what routing quality orders prompts by; see complexity/model.py)."""

    level: Complexity
    score: float
    reasons: tuple[str, ...] = ()
    difficulty: float = 0.0


@dataclass(frozen=True)
class Attempt:
    """One try of one candidate. `outcome` is "ok", "error" or "skipped"."""

    provider: str
    model: str
    outcome: str
    error: str | None = None
    status: int | None = None
    latency_ms: float = 0.0
    retryable: bool | None = None


class LogReceipt:
    """Where the log row of one answer stands. The background writer commits it after the answer is returned;
    `wait()` gives (its id, None) once committed, or (None, why) when the database refused the row (it then
    waits in memory and is written later)."""

    def __init__(self) -> None:
        self._outcome: Future[tuple[int | None, str | None]] = Future()

    def resolve(self, interaction_id: int | None, error: str | None) -> None:
        self._outcome.set_result((interaction_id, error))

    def wait(self, timeout: float = LOG_WAIT_S) -> tuple[int | None, str | None]:
        return self._outcome.result(timeout)

    async def wait_async(self) -> tuple[int | None, str | None]:
        return await asyncio.wrap_future(self._outcome)

    def __deepcopy__(self, _memo: dict) -> "LogReceipt":
        return self  # a handle on one row: copies of a completion share it


@dataclass
class Completion(_TokenCounts):
    """The router's answer with everything the UI and the log need to explain it."""

    text: str
    provider: str
    model: str
    complexity: Complexity
    usage: Usage
    cost_usd: float | None
    baseline_cost_usd: float | None
    latency_ms: float
    ttft_ms: float | None = None
    cached: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    reasons: tuple[str, ...] = ()
    score: float = 0.0
    simulated: bool = False
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (provider, model, why)
    candidates: list[str] = field(default_factory=list)  # "provider:model" in the order they were to be tried
    log: LogReceipt | None = field(default=None, repr=False, compare=False)

    @property
    def interaction_id(self) -> int | None:
        """The log row's id (waits for its commit; None when it was not logged, see `log_error`)."""
        return self.log.wait()[0] if self.log is not None else None

    @property
    def log_error(self) -> str | None:
        """Why the answer is not logged yet (waits for its commit; None when it was logged)."""
        return self.log.wait()[1] if self.log is not None else None

    async def logged(self) -> int | None:
        """`interaction_id` without blocking the event loop."""
        return (await self.log.wait_async())[0] if self.log is not None else None

    @property
    def saved_usd(self) -> float | None:
        """Baseline cost minus actual cost (the whole baseline on a cache hit); None when unknown."""
        if self.baseline_cost_usd is None:
            return None
        if self.cached:
            return self.baseline_cost_usd
        if self.cost_usd is None:
            return None
        return self.baseline_cost_usd - self.cost_usd
