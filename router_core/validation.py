"""Step 1 of the pipeline: turn what the caller passed into clean messages, or refuse it clearly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidRequest
from .types import Message

ROLES = ("system", "user", "assistant")
MAX_OUTPUT_TOKENS = 200_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _as_message(item: Any, index: int) -> Message:
    if isinstance(item, Message):
        role, content = item.role, item.content
    elif isinstance(item, Mapping):
        role, content = item.get("role"), item.get("content")
    else:
        raise InvalidRequest(f"Message {index + 1} is a {type(item).__name__}; pass Message(role, content).")
    if role not in ROLES:
        raise InvalidRequest(f"Message {index + 1} has role {role!r}; use one of {', '.join(ROLES)}.")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequest(f"Message {index + 1} is not valid UTF-8 (byte {exc.start}).") from None
    if not isinstance(content, str):
        raise InvalidRequest(f"Message {index + 1} content must be text, not {type(content).__name__}.")
    return Message(role, content)


def _check_text(message: Message, index: int) -> None:
    try:
        message.content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequest(f"Message {index + 1} contains an invalid character (an unpaired surrogate at "
                             f"position {exc.start}); paste it again as plain text.") from None
    control = _CONTROL.search(message.content)
    if control:
        raise InvalidRequest(f"Message {index + 1} contains the control character U+{ord(control.group()):04X} "
                             f"at position {control.start()}; remove it and try again.")


def validate_request(messages: Sequence[Message] | str, history: Sequence[Message] | None, limits: Any,
                     max_tokens: int | None, temperature: float | None) -> list[Message]:
    """Clean messages (history first), or InvalidRequest saying what is wrong and how to fix it."""
    if isinstance(messages, str):
        messages = [Message("user", messages)]
    if not isinstance(messages, Sequence) or isinstance(messages, (bytes, str)):
        raise InvalidRequest("messages must be a list of Message(role, content).")
    msgs = [_as_message(m, i) for i, m in enumerate([*(history or []), *messages])]
    turns = [m for m in msgs if m.role != "system"]
    if not turns or turns[-1].role != "user":
        raise InvalidRequest("The conversation must end with a user message.")
    if not turns[-1].content.strip():
        raise InvalidRequest("The prompt is empty. Type a question or an instruction.")
    if len(msgs) > limits.max_messages:
        raise InvalidRequest(f"The conversation has {len(msgs)} messages; the limit is {limits.max_messages} "
                             "(limits.max_messages). Start a new chat or trim the history.")
    for i, m in enumerate(msgs):
        _check_text(m, i)
    size = sum(len(m.content) for m in msgs)
    if size > limits.max_prompt_chars:
        raise InvalidRequest(f"The prompt is {size:,} characters long; the limit is {limits.max_prompt_chars:,} "
                             "(limits.max_prompt_chars in router.toml). Shorten it or split it up.")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                   or not 1 <= max_tokens <= MAX_OUTPUT_TOKENS):
        raise InvalidRequest(f"max_tokens must be a whole number from 1 to {MAX_OUTPUT_TOKENS:,}; got {max_tokens!r}.")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                                    or not 0 <= temperature <= 2):
        raise InvalidRequest(f"temperature must be between 0 and 2; got {temperature!r}.")
    return msgs
