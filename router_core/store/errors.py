"""The store's one error type."""

from __future__ import annotations

from ..errors import RouterError, redact


class StoreError(RouterError):
    """The database could not do what was asked (locked for too long, unreachable, unknown id, ...).
    The message never carries a secret (key-shaped strings and registered secrets are masked)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))
