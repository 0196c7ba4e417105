"""The adapters a Router starts with: one per configured provider, simulated where demo mode says so.

What demo mode simulates is one fact per kind (`demo` on its class): every kind with a simulation —
the cloud vendors and Ollama — answers from the in-process stand-in; a kind without one (the embedded
llama.cpp model, your own OpenAI-compatible endpoint) stays real. A reachable local daemon that has a
simulation (Ollama) is a real free tier, so `Router.from_env` turns automatic demo mode off for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from . import create_provider, provider_class, provider_classes

if TYPE_CHECKING:
    from ..config import Config
    from .base import Provider

DEMO_SIMULATED_KINDS = frozenset(kind for kind, cls in provider_classes().items() if cls.demo is not None)


def build_providers(config: Config) -> dict[str, Provider]:
    """One adapter per configured provider; in demo mode the simulated kinds answer from the demo transport."""
    from .demo import create_demo_provider

    providers: dict[str, Provider] = {}
    for spec in config.providers.values():
        if config.demo and spec.kind in DEMO_SIMULATED_KINDS:
            providers[spec.name] = create_demo_provider(
                spec.kind, name=spec.name, failure_rate=config.demo_failure_rate,
                latency_scale=config.demo_latency_scale, models=spec.model_ids, timeout=spec.timeout_s)
        elif spec.configured:
            providers[spec.name] = create_provider(spec.kind, name=spec.name, base_url=spec.base_url,
                                                   api_key=spec.api_key, timeout=spec.timeout_s, **spec.options)
    return providers


def ollama_reachable(config: Config, timeout_s: float = 0.3) -> bool:
    """Whether the first configured local daemon demo mode would simulate (Ollama) answers at all.

    One quick GET of its model listing (Ollama's /api/tags): no tokens spent.
    """
    for spec in config.providers.values():
        cls = provider_class(spec.kind)
        if cls.local and cls.demo is not None:
            try:
                url = f"{spec.base_url or cls.default_base_url}{cls.models_path}"
                return httpx.get(url, timeout=timeout_s).is_success
            except httpx.HTTPError:
                return False
    return False


__all__ = ["DEMO_SIMULATED_KINDS", "build_providers", "ollama_reachable"]
