"""The wire formats adapters speak, and what demo mode simulates for a provider kind.

Light on purpose (no httpx): each kind's class declares `demo = DemoSim(...)` with these, and the
registry, config and pricing read those class facts without paying for the HTTP stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_TIMEOUT = 60.0


class Wire(StrEnum):
    """A vendor API shape; the demo simulation answers in one of these."""

    CHAT_COMPLETIONS = "chat-completions"            # OpenAI's /chat/completions (and every compatible vendor)
    CHAT_COMPLETIONS_GROQ = "chat-completions+groq"  # the same, with Groq's x_groq usage and error wording
    MESSAGES = "messages"                            # Anthropic's /v1/messages
    GENERATE_CONTENT = "generate-content"            # Gemini's :generateContent
    OLLAMA_CHAT = "ollama-chat"                      # Ollama's native /api/chat (NDJSON)


@dataclass(frozen=True)
class DemoSim:
    """How demo mode stands in for a kind: its typical latency, the models it lists and its wire format."""

    wire: Wire
    latency_s: float  # typical time to a complete short answer
    models: tuple[str, ...]


__all__ = ["DEFAULT_TIMEOUT", "DemoSim", "Wire"]
