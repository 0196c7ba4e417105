"""Provider adapters, one per wire format, and `create_provider` to build one by kind."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ConfigError
from .base import DEFAULT_TIMEOUT, Provider

# kind -> "module:Class"; modules are imported on first use so `import router_core` stays light.
REGISTRY: dict[str, str] = {
    "openai": "openai:OpenAIProvider",
    "groq": "openai:GroqProvider",
    "openai_compatible": "openai:OpenAICompatibleProvider",
    "anthropic": "anthropic:AnthropicProvider",
    "gemini": "gemini:GeminiProvider",
    "ollama": "ollama:OllamaProvider",
    "llamacpp": "llamacpp:LlamaCppProvider",
}


def provider_class(kind: str) -> type[Provider]:
    """The adapter class for a kind, or a ConfigError listing the kinds there are."""
    target = REGISTRY.get(kind)
    if target is None:
        raise ConfigError(f"unknown provider kind {kind!r}; use one of: {', '.join(sorted(REGISTRY))}")
    module, cls = target.split(":")
    return getattr(importlib.import_module(f".{module}", __name__), cls)


def create_provider(kind: str, *, name: str | None = None, base_url: str | None = None,
                    api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> Provider:
    """Build an adapter: `create_provider("anthropic", base_url="http://127.0.0.1:9000", api_key="k")`."""
    return provider_class(kind)(name=name, base_url=base_url, api_key=api_key, timeout=timeout, **options)


__all__ = ["Provider", "create_provider", "provider_class", "REGISTRY"]
