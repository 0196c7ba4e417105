"""Parsing helpers the adapters share: server-sent events, lenient counts, system prompt splitting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from ..types import Message


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    """Parse Server-Sent Events into (event, data) pairs; `event` is "" when the server named none."""
    event, data = "", []
    async for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


def int_field(data: Any, *keys: str) -> int:
    """Read a nested integer count leniently: missing or null is 0."""
    for key in keys:
        if not isinstance(data, dict):
            return 0
        data = data.get(key)
    try:
        return int(data or 0)
    except (TypeError, ValueError):
        return 0


def system_and_turns(messages: Sequence[Message]) -> tuple[str, list[Message]]:
    """Split messages into one joined system prompt and the remaining turns (for vendors with top-level system)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    return system, [m for m in messages if m.role != "system"]
