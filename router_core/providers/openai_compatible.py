"""Any OpenAI-style chat-completions endpoint (vLLM, LM Studio, llama.cpp server, Ollama /v1, OpenRouter, ...)."""

from __future__ import annotations

from .openai import OpenAIProvider


class OpenAICompatibleProvider(OpenAIProvider):
    """Your own endpoint: the key is optional (name one with `key_env` in the TOML and it becomes required).

    Sends `max_tokens`: several of these servers (Ollama's among them) silently ignore `max_completion_tokens`.
    Demo mode never stands in for it: it is your endpoint, so it stays real.
    """

    kind = "openai_compatible"
    default_base_url = "http://localhost:8000/v1"
    key_envs = ()
    base_url_env = None
    needs_key = False
    genai_prices_id = None  # whatever it serves: priced by model id when genai-prices knows the id
    default_context_tokens = None  # unknown: set context_tokens on its models in the config to trim for it
    demo = None
    max_tokens_field = "max_tokens"
