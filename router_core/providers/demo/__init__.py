"""Simulated vendor endpoints inside the process, so the real adapters run with no keys and no network.

    from router_core.providers import create_provider
    from router_core.providers.demo import DEMO_KEY, demo_transport
    p = create_provider("anthropic", api_key=DEMO_KEY, transport=demo_transport("anthropic"))
    r = await p.complete([Message("user", "Explain TCP slow start")], model="claude-sonnet-5-5")
    r.text  # "[simulated anthropic · claude-sonnet-5-5] ..."

`demo_transport(kind)` is an `httpx.MockTransport` that answers in the wire format the kind's class names in
its `demo` fact — the success body, the SSE / NDJSON stream, the usage block, the listing endpoint and the
vendor's real errors (429 with retry-after, Anthropic 529, Gemini 503, Ollama 503) — so every adapter code
path runs as it would against the vendor. Each simulated vendor has its typical latency (scaled by
`latency_scale`, 0 = instant). Kinds whose class has no `demo` fact (the embedded model, your own
OpenAI-compatible endpoint) are never simulated.

Answers are deterministic for a (prompt, model) pair: a few sentences built from the prompt's topic, always
labelled "[simulated <provider> · <model>]" (see `text`). No language model is involved. Failures are drawn
from a seeded random stream (so a retry can succeed, as with a real transient error): `failure_rate=1`
always fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from .. import create_provider, provider_class, provider_classes
from ..wire import DemoSim, Wire
from .chat_completions import ChatCompletions
from .generate_content import GenerateContent
from .messages import Messages
from .ollama_chat import OllamaChat
from .sim import Simulation
from .text import count_tokens, simulated_answer

if TYPE_CHECKING:
    from ..base import Provider

DEMO_KEY = "demo-key"
_SIMS: dict[str, DemoSim] = {kind: cls.demo for kind, cls in provider_classes().items() if cls.demo is not None}
SIMULATED_KINDS: tuple[str, ...] = tuple(_SIMS)
LATENCY_S: dict[str, float] = {kind: sim.latency_s for kind, sim in _SIMS.items()}  # typical short answer, s
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {kind: sim.models for kind, sim in _SIMS.items()}

_RESPONDERS: dict[Wire, type[Simulation]] = {
    Wire.CHAT_COMPLETIONS: ChatCompletions,
    Wire.CHAT_COMPLETIONS_GROQ: ChatCompletions,
    Wire.MESSAGES: Messages,
    Wire.GENERATE_CONTENT: GenerateContent,
    Wire.OLLAMA_CHAT: OllamaChat,
}


def demo_transport(kind: str, *, failure_rate: float = 0.02, latency_scale: float = 1.0, seed: int = 0,
                   name: str | None = None, models: Sequence[str] | None = None) -> httpx.MockTransport:
    """An in-process stand-in for vendor `kind` (any base URL), answering in its real wire format.

    `name` is the provider name shown in the label (default: the kind); `models` the ids the listing
    endpoint returns (default: the vendor's usual models). Any model id is answered.
    """
    sim = _SIMS.get(kind)
    if sim is None:
        raise ValueError(f"no simulation for provider kind {kind!r}; simulated kinds: {', '.join(SIMULATED_KINDS)}")
    responder = _RESPONDERS[sim.wire](kind, name or kind, sim, provider_class(kind).needs_key, failure_rate,
                                      latency_scale, seed, models)
    return httpx.MockTransport(responder.handle)


def create_demo_provider(kind: str, *, name: str | None = None, failure_rate: float = 0.02,
                         latency_scale: float = 1.0, seed: int = 0, models: Sequence[str] | None = None,
                         timeout: float = 60.0) -> Provider:
    """The real adapter for `kind`, wired to the simulation and marked `simulated = True`."""
    provider = create_provider(kind, name=name, api_key=DEMO_KEY, timeout=timeout,
                               transport=demo_transport(kind, failure_rate=failure_rate, latency_scale=latency_scale,
                                                        seed=seed, name=name, models=models))
    provider.simulated = True
    return provider


__all__ = ["DEMO_KEY", "SIMULATED_KINDS", "LATENCY_S", "DEFAULT_MODELS", "demo_transport", "create_demo_provider",
           "simulated_answer", "count_tokens"]
