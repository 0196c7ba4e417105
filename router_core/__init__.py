"""Switchboard's core: route each chat request to the cheapest provider that can handle it."""

from .errors import ConfigError, InvalidRequest, NoProviderAvailable, ProviderError, RouterError
from .types import Attempt, Completion, Complexity, Message, ProviderResult, Usage, Verdict


def __getattr__(name: str):  # Router pulls in the store; import it only when asked for
    if name == "Router":
        from .router import Router

        return Router
    raise AttributeError(name)


__all__ = ["Router", "Message", "Completion", "Complexity", "Usage", "Verdict", "Attempt", "ProviderResult",
           "RouterError", "ProviderError", "InvalidRequest", "NoProviderAvailable", "ConfigError"]
