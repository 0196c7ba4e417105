"""Retry timing and the per-provider circuit breaker (cooldown after repeated failures, then one probe)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable

from .errors import ProviderError

# Failures that say something about the provider as a whole (not about this one request).
PROVIDER_LEVEL_KINDS = frozenset({"server", "overloaded", "rate_limit", "timeout", "connection", "stream_cut",
                                  "auth", "quota", "bad_response", "not_configured"})


def retry_delay(error: ProviderError, retry_number: int, *, base_s: float, cap_s: float,
                retry_after_cap_s: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry_number` (0-based).

    The server's Retry-After wins (up to `retry_after_cap_s`); otherwise capped exponential backoff
    with full jitter.
    """
    if error.retry_after is not None:
        return min(error.retry_after, retry_after_cap_s)
    return rng.uniform(0, min(cap_s, base_s * 2 ** retry_number))


@dataclass
class _BreakerState:
    failures: int = 0
    open_until: float | None = None
    probing: bool = False


class CircuitBreaker:
    """Skips a provider for `cooldown_s` after `failures_to_open` consecutive provider-level failures.

    When the cooldown is over, one request is let through as a probe: success closes the breaker,
    failure opens it again for another cooldown.
    """

    def __init__(self, failures_to_open: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic):
        self.failures_to_open = failures_to_open
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._states: dict[str, _BreakerState] = {}

    def why_unavailable(self, provider: str) -> str | None:
        """None when a request may go to `provider` now; otherwise a readable reason."""
        state = self._states.get(provider)
        if state is None or state.open_until is None:
            return None
        remaining = state.open_until - self.clock()
        if remaining > 0:
            return f"cooling down for {remaining:.0f} s more after {state.failures} failures"
        if state.probing:
            return "cooling down: a probe request is in flight"
        state.probing = True  # this caller is the probe
        return None

    def state(self, provider: str) -> str:
        """"closed", "open" or "half-open" (for the Health page)."""
        state = self._states.get(provider)
        if state is None or state.open_until is None:
            return "closed"
        return "open" if state.open_until > self.clock() and not state.probing else "half-open"

    def record_success(self, provider: str) -> None:
        self._states.pop(provider, None)

    def record_failure(self, provider: str, error: ProviderError) -> None:
        if error.kind not in PROVIDER_LEVEL_KINDS:
            return
        state = self._states.setdefault(provider, _BreakerState())
        state.failures += 1
        if state.probing or state.failures >= self.failures_to_open:
            state.open_until = self.clock() + self.cooldown_s
            state.probing = False
