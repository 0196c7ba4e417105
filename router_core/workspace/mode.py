"""Which mode the router runs in and why, and which tiers have no candidate it can reach right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..display import grouped_reasons
from ..providers import provider_class
from ..types import Complexity

if TYPE_CHECKING:
    from ..router import Router


@dataclass(frozen=True)
class ModeStatus:
    """Demo or live, and the one-sentence reason a user can act on."""

    demo: bool
    title: str  # "Demo mode" / "Live mode"
    why: str


class ModeOps:
    """The mode and the tiers that cannot be served (needs `self.router`)."""

    router: "Router"

    def mode(self) -> ModeStatus:
        cfg = self.router.config
        cloud = [spec for spec in cfg.providers.values() if not provider_class(spec.kind).local]
        keyed = [f"{spec.name} ({spec.key_env})" if spec.key_env else spec.name for spec in cloud if spec.api_key]
        keyless = [spec.name for spec in cloud if not spec.api_key]
        if cfg.demo:
            why = ("ROUTER_DEMO is on, so the cloud providers are simulated." if cfg.demo_forced else
                   "No cloud API key is set, so the cloud providers are simulated (made-up answers at real "
                   "prices). Add a key to .env for real answers.")
            return ModeStatus(True, "Demo mode", why)
        if cfg.demo_forced:
            why = "ROUTER_DEMO is off: only providers with a key (or local ones) answer; nothing is simulated."
        elif not keyed:
            why = "A local Ollama is running, so it answers for real; cloud providers without a key are not simulated."
        else:
            why = (f"A key is set for {', '.join(keyed)}, so answers are real. Providers without a key "
                   f"({', '.join(keyless) or 'none'}) are not simulated in live mode: they are unavailable. "
                   "Set ROUTER_DEMO=1 to simulate them again.")
        return ModeStatus(False, "Live mode", why)

    def tier_gaps(self) -> dict[str, str]:
        """Tier -> why none of its candidates (last resort included) can answer now: not configured, cooling
        down, or unreachable at this router's latest health check (of the provider's current mode). Tiers that can be served are absent."""
        router = self.router
        unreachable = self._unreachable_since_start()
        gaps: dict[str, str] = {}
        for tier in Complexity.tiers():
            plan = router.policy.candidates(tier)
            reasons = [(str(s.target), s.reason) for s in plan.skipped]
            reasons += [(str(t), unreachable[t.provider]) for t in plan.candidates if t.provider in unreachable]
            if all(t.provider in unreachable for t in plan.candidates):
                gaps[tier.value] = grouped_reasons(reasons) or "the routing table is empty"
        return gaps

    def _unreachable_since_start(self) -> dict[str, str]:
        """Provider -> "unreachable: detail" when this router's latest check of it failed."""
        since = datetime.fromtimestamp(self.router.started_at, timezone.utc)
        # oldest first: the last row per provider wins; each provider's checks of its current mode, redacted
        history = self.health_history(since)  # type: ignore[attr-defined]  (SystemOps)
        latest = {row.provider: row for row in history.itertuples(index=False)}
        return {name: f"unreachable ({row.detail})" for name, row in latest.items() if not row.reachable}
