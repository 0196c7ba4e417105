"""Providers, health, cache, prices and settings facts, for a front end (secrets never leave here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import redact
from ..model_files import DEFAULT_MODEL_PATH
from ..providers import provider_class
from ..types import Completion, Health

if TYPE_CHECKING:
    import pandas as pd

    from ..router import Router


@dataclass(frozen=True)
class ProviderStatus:
    """What a front end shows about one configured provider (key presence only, never its value)."""

    name: str
    kind: str
    why_not_configured: str | None  # None: an adapter is ready to call
    simulated: bool  # demo mode answers for it with a simulated vendor
    missing: str | None  # what to set for real answers (e.g. "set GROQ_API_KEY"), None when set
    cooldown: str  # "closed" (fine), "open" (cooling down after failures) or "half-open" (probing)
    why_unavailable: str | None  # not configured or cooling down: why it cannot be tried now
    needs_key: bool
    key_present: bool
    key_names: tuple[str, ...]
    models: tuple[str, ...]
    aliases: tuple[tuple[str, tuple[str, ...]], ...]  # (model id, its aliases)
    model_path: Path | None  # the GGUF file of an embedded local model

    @property
    def configured(self) -> bool:
        return self.why_not_configured is None


@dataclass(frozen=True)
class CacheStats:
    entries: int
    live: int  # not expired
    hits: int
    saved_usd: float


@dataclass(frozen=True)
class SettingsFacts:
    """What is in effect, safe to show: the database URL has its password masked."""

    config_source: str
    demo: bool
    database: str
    baseline: str
    cache_ttl_s: float
    limits: Any
    price_snapshot: str
    price_overrides: dict[str, Any]


class SystemOps:
    """Providers, health, cache, prices, settings (needs `self.router`)."""

    router: "Router"

    # ---- providers ----------------------------------------------------------------------------
    def provider_status(self) -> list[ProviderStatus]:
        """Every configured provider, in file order."""
        return [self.provider(name) for name in self.router.config.providers]

    def provider(self, name: str) -> ProviderStatus:
        router = self.router
        spec = router.config.providers[name]
        adapter = router.providers.get(name)
        path = None
        if provider_class(spec.kind).uses_model_file:  # the adapter's resolved path, else the configured one
            path = getattr(adapter, "model_path", None) or spec.options.get("model_path") or DEFAULT_MODEL_PATH
        return ProviderStatus(
            name=name, kind=spec.kind, why_not_configured=router.why_not_configured(name),
            simulated=bool(getattr(adapter, "simulated", False)), missing=spec.missing,
            cooldown=router.breaker.state(name), why_unavailable=router.why_unavailable(name),
            needs_key=spec.needs_key, key_present=bool(spec.api_key),
            key_names=tuple(n for n in (spec.key_env, *spec.key_env_alternatives) if n),
            models=tuple(m.id for m in spec.models),
            aliases=tuple((m.id, tuple(m.aliases)) for m in spec.models if m.aliases),
            model_path=Path(str(path)) if path else None)

    def why_unavailable(self, provider: str) -> str | None:
        """None when `provider` may be tried now; otherwise why not (not configured, cooling down)."""
        return self.router.why_unavailable(provider)

    def targets(self) -> list[str]:
        """Every configured "provider:model", in file order."""
        return [str(t) for t in self.router.config.all_targets()]

    def is_simulated(self, completion: Completion) -> bool:
        """Whether an answer came from a simulated vendor (a cache hit: whoever produced the answer)."""
        if completion.simulated:
            return True
        if completion.cached:
            return bool(getattr(self.router.providers.get(completion.provider), "simulated", False))
        return False

    # ---- health -------------------------------------------------------------------------------
    def check_health(self) -> dict[str, Health]:
        """No-token checks of every provider (stored as history)."""
        return self.router.check_health()

    def simulated_providers(self) -> frozenset[str]:
        """The providers a simulated vendor answers for now (demo mode); empty in live mode."""
        return frozenset(name for name, adapter in self.router.providers.items() if getattr(adapter, "simulated", False))

    def health_history(self, since: datetime, provider: str | None = None) -> pd.DataFrame:
        """Checks since `since`, oldest first: ts, provider, reachable, latency_ms, detail (redacted), simulated.
        Each provider's checks of its current mode only: a simulated one's simulated checks, any other's real
        ones (so live mode shows nothing simulated, and demo checks never read as live reachability)."""
        history = self.router.store.health_history(since, provider)
        if not history.empty:
            current = history["provider"].isin(self.simulated_providers())
            history = history[history["simulated"] == current].reset_index(drop=True)
            history["detail"] = history["detail"].map(lambda d: redact(str(d)))
        return history

    # ---- cache --------------------------------------------------------------------------------
    def cache_stats(self) -> CacheStats:
        s = self.router.cache.stats()
        return CacheStats(s["entries"], s["live"], s["hits"], s["saved_usd"])

    def clear_cache(self, *, expired_only: bool = True) -> int:
        """Remove expired answers (or every one); returns how many were removed."""
        return self.router.cache.clear_expired() if expired_only else self.router.cache.clear_all()

    # ---- prices and settings ------------------------------------------------------------------
    def price_table(self) -> list[dict[str, Any]]:
        """One row per configured model: USD per 1M tokens, source, tiers, next change."""
        return self.router.prices.table()

    def price_snapshot(self) -> str:
        """Which dated genai-prices snapshot the prices come from."""
        return self.router.prices.snapshot

    def settings(self) -> SettingsFacts:
        cfg = self.router.config
        return SettingsFacts(str(cfg.source), bool(cfg.demo), self.database(), str(self.active_policy().baseline),  # type: ignore[attr-defined]
                             float(cfg.cache_ttl_s), cfg.limits, self.price_snapshot(),
                             dict(getattr(cfg, "price_overrides", {}) or {}))

    def database(self) -> str:
        """The database URL with its password masked (also a stable key for per-database caches)."""
        return redact(self.router.store.safe_url)

    def local_model_path(self) -> Path | None:
        """The model file of the embedded local model, if one is configured."""
        return next((p.model_path for p in self.provider_status() if p.model_path is not None), None)
