"""The OpenAI-compatible HTTP gateway: `python -m router_core serve` and `python -m router_core keys ...`.

    from router_core.gateway import create_app      # FastAPI app over a Router
    from router_core.store.keys import KeyStore
"""

from __future__ import annotations

from typing import Any


def create_app(router: Any, keys: Any = None) -> Any:
    """The FastAPI app over `router` (imported lazily: FastAPI is only needed to serve)."""
    from .app import create_app as build

    return build(router, keys)


__all__ = ["create_app"]
