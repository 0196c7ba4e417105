"""Mistral AI: OpenAI's chat-completions format at `https://api.mistral.ai/v1`."""

from __future__ import annotations

from .openai import OpenAIProvider
from .wire import DemoSim, Wire


class MistralProvider(OpenAIProvider):
    """Mistral's API through the OpenAI adapter; `MISTRAL_API_KEY`, base URL from `MISTRAL_BASE_URL`."""

    kind = "mistral"
    default_base_url = "https://api.mistral.ai/v1"
    key_envs = ("MISTRAL_API_KEY",)
    base_url_env = "MISTRAL_BASE_URL"
    genai_prices_id = "mistral"
    default_context_tokens = 128_000
    demo = DemoSim(Wire.CHAT_COMPLETIONS, 0.5, ("mistral-small-latest", "mistral-medium-latest"))
    max_tokens_field = "max_tokens"  # Mistral's chat API takes max_tokens
