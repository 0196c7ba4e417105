"""Provider adapters, one module per kind, and `create_provider` to build one by kind.

`REGISTRY` is the only list of kinds. Each kind's facts (env variables, base URL, key, genai-prices id,
local/free, demo simulation) are ClassVars on its adapter class; config, pricing, demo mode, the CLI and the
tests read them from here. Adding a vendor is one module and one line below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .wire import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from .base import Provider

# kind -> "module:Class"; modules are imported on first use so `import router_core` stays light.
REGISTRY: dict[str, str] = {
    "openai": "openai:OpenAIProvider",
    "anthropic": "anthropic:AnthropicProvider",
    "gemini": "gemini:GeminiProvider",
    "groq": "groq:GroqProvider",
    "deepseek": "deepseek:DeepSeekProvider",
    "mistral": "mistral:MistralProvider",
    "ollama": "ollama:OllamaProvider",
    "openai_compatible": "openai_compatible:OpenAICompatibleProvider",
    "llamacpp": "llamacpp:LlamaCppProvider",
}


def provider_class(kind: str) -> type[Provider]:
    """The adapter class for a kind (its facts are ClassVars), or a ConfigError listing the kinds there are."""
    target = REGISTRY.get(kind)
    if target is None:
        raise ConfigError(f"unknown provider kind {kind!r}; use one of: {', '.join(REGISTRY)}")
    module, cls = target.split(":")
    return getattr(importlib.import_module(f".{module}", __name__), cls)


def provider_classes() -> dict[str, type[Provider]]:
    """Every kind's adapter class, in registry order."""
    return {kind: provider_class(kind) for kind in REGISTRY}


def create_provider(kind: str, *, name: str | None = None, base_url: str | None = None,
                    api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> Provider:
    """Build an adapter: `create_provider("anthropic", base_url="http://127.0.0.1:9000", api_key="k")`."""
    return provider_class(kind)(name=name, base_url=base_url, api_key=api_key, timeout=timeout, **options)


def __getattr__(name: str) -> Any:
    if name == "Provider":  # the base class, without importing the HTTP stack at `import router_core.providers`
        from .base import Provider

        return Provider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Provider", "create_provider", "provider_class", "provider_classes", "REGISTRY"]
