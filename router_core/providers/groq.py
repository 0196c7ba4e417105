"""Groq: OpenAI's chat-completions format under `/openai/v1` of `https://api.groq.com`."""

from __future__ import annotations

from .openai import OpenAIProvider
from .wire import DemoSim, Wire


class GroqProvider(OpenAIProvider):
    """The OpenAI adapter with Groq's path prefix (its streamed usage arrives in `x_groq`, read by the parent)."""

    kind = "groq"
    default_base_url = "https://api.groq.com"
    key_envs = ("GROQ_API_KEY",)
    base_url_env = "GROQ_BASE_URL"
    genai_prices_id = "groq"
    default_context_tokens = 128_000
    demo = DemoSim(Wire.CHAT_COMPLETIONS_GROQ, 0.15, ("llama-3.1-8b-instant", "llama-3.3-70b-versatile",
                                                      "openai/gpt-oss-20b", "openai/gpt-oss-120b"))
    path_prefix = "/openai/v1"
    models_path = "/openai/v1/models"
