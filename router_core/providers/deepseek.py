"""DeepSeek: OpenAI's chat-completions format at `https://api.deepseek.com` (its docs accept `/v1` too)."""

from __future__ import annotations

from .openai import OpenAIProvider
from .wire import DemoSim, Wire


class DeepSeekProvider(OpenAIProvider):
    """DeepSeek's API through the OpenAI adapter; `DEEPSEEK_API_KEY`, base URL from `DEEPSEEK_BASE_URL`."""

    kind = "deepseek"
    default_base_url = "https://api.deepseek.com"
    key_envs = ("DEEPSEEK_API_KEY",)
    base_url_env = "DEEPSEEK_BASE_URL"
    genai_prices_id = "deepseek"
    default_context_tokens = 128_000
    demo = DemoSim(Wire.CHAT_COMPLETIONS, 0.9, ("deepseek-v4-flash", "deepseek-v4-pro"))
    max_tokens_field = "max_tokens"  # DeepSeek documents max_tokens only
