"""Errors the router raises. Messages are written for the user and never contain a secret."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import Attempt


class RouterError(Exception):
    """Base of every error Switchboard raises on purpose."""


class ProviderError(RouterError):
    """A provider call failed.

    `kind` names the failure ("auth", "rate_limit", "quota", "overloaded", "server", "timeout",
    "connection", "bad_request", "not_found", "bad_response", "refusal", "safety", "length",
    "stream_cut", "not_configured"); `retryable` says whether trying the same call again may work.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        kind: str = "error",
    ) -> None:
        super().__init__(redact(message))
        self.provider = provider
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self)


class InvalidRequest(RouterError, ValueError):
    """The request itself is unusable (blank, oversized, malformed); nothing was sent."""


class NoProviderAvailable(RouterError):
    """Every candidate failed or was skipped; `attempts` holds the trail."""

    def __init__(self, message: str, attempts: "list[Attempt] | None" = None) -> None:
        super().__init__(redact(message))
        self.attempts = list(attempts or [])


class ConfigError(RouterError, ValueError):
    """The configuration is malformed; the message says where and what to write instead.

    `problems` lists each problem as structured data (e.g. `policy.PolicyProblem`) when the raiser has
    it, so a front end can show them in its own words without parsing the message; empty otherwise.
    """

    def __init__(self, message: str = "", *, problems: "tuple | list" = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


# Key shapes of the vendors we speak to, plus generic bearer tokens. Anything matching is masked.
_SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-*]{8,}"),
    re.compile(r"gsk_[A-Za-z0-9*]{8,}"),
    re.compile(r"AIza[0-9A-Za-z_\-*]{10,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-*]{8,}"),
    re.compile(r"(?i)((?:api[_-]?key|x-api-key|x-goog-api-key)[\"'\s:=]+)[A-Za-z0-9._\-*]{8,}"),
]
_KNOWN_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that `redact` masks it wherever it appears."""
    if value and len(value) >= 4:
        _KNOWN_SECRETS.add(value)


def redact(text: str) -> str:
    """Mask registered secrets and anything shaped like an API key."""
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):  # longest first: keys may share a prefix
        if secret in text:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text
