"""Driving one provider adapter from a synchronous test: each call runs in a fresh event loop and closes the
client afterwards.

    KIT = ProviderKit(CHAT, "gpt-4.1-mini")                      # what this file's tests send by default
    complete, stream, failure = KIT.complete, KIT.stream, KIT.failure

    result = complete(provider, max_tokens=50)                   # a ProviderResult
    items = stream(provider)                                     # text pieces, then the final ProviderResult
    err = failure(complete, provider)                            # the ProviderError it must raise
    down = call(provider, "health")                              # any other coroutine method
    err = failure(complete, create_provider("ollama", base_url=closed_url()))  # nobody listens there
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import run

from router_core.errors import ProviderError
from router_core.providers.base import Provider
from router_core.types import Message, ProviderResult


def call(p: Provider, method: str, *args: Any, **kwargs: Any) -> Any:
    """Await `p.<method>(*args, **kwargs)` in a fresh event loop, closing the client afterwards."""
    async def go() -> Any:
        try:
            return await getattr(p, method)(*args, **kwargs)
        finally:
            await p.aclose()
    return run(go())


def collect(p: Provider, messages: list[Message], **kwargs: Any) -> list[str | ProviderResult]:
    """Everything `p.stream(messages, **kwargs)` yields, in a fresh event loop; the client is closed afterwards."""
    async def go() -> list[str | ProviderResult]:
        try:
            return [item async for item in p.stream(messages, **kwargs)]
        finally:
            await p.aclose()
    return run(go())


def fails(fn: Callable[..., Any], /, *args: Any, secret: str | None = None, **kwargs: Any) -> ProviderError:
    """`fn(*args, **kwargs)` must raise a ProviderError (returned); if `secret` is given, its message must not
    contain it."""
    with pytest.raises(ProviderError) as info:
        fn(*args, **kwargs)
    if secret is not None:
        assert secret not in str(info.value)
    return info.value


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_url() -> str:
    """An http:// URL on a local port nobody listens on: connecting is refused."""
    return f"http://127.0.0.1:{free_port()}"


@dataclass(frozen=True)
class ProviderKit:
    """One test file's defaults: the `messages` and `model` every call sends, keyword arguments added to every
    stream (`stream_defaults`, overridable per call), and a `secret` (the file's API key) that no ProviderError
    message may contain."""

    messages: list[Message]
    model: str
    secret: str | None = None
    stream_defaults: Mapping[str, Any] = field(default_factory=dict)

    def complete(self, p: Provider, model: str | None = None, **kwargs: Any) -> ProviderResult:
        """`p.complete(messages, model=...)`, the model defaulting to the kit's."""
        return call(p, "complete", self.messages, model=self.model if model is None else model, **kwargs)

    def stream(self, p: Provider, model: str | None = None, **kwargs: Any) -> list[str | ProviderResult]:
        """Everything `p.stream(messages, model=...)` yields, the model defaulting to the kit's."""
        return collect(p, self.messages, model=self.model if model is None else model,
                       **{**self.stream_defaults, **kwargs})

    def failure(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> ProviderError:
        """The ProviderError `fn(*args, **kwargs)` raises, checked not to leak the kit's secret."""
        return fails(fn, *args, secret=self.secret, **kwargs)
