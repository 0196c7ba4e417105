"""What naming an agent in a request does: its current version's system prompt, its default temperature and
max tokens (when the caller gives none), its fixed target or saved policy (when the caller names no target)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .catalog import Target, parse_target
from .errors import InvalidRequest, RouterError
from .policy import Policy
from .prompt_vars import MissingVariables, fill
from .store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentUse:
    """The agent's current version as one request applies it."""

    code: str
    version: int | None  # None: an agent stored without versions (written by hand)
    system_prompt: str
    temperature: float | None = None
    max_tokens: int | None = None
    target: Target | None = None
    policy: Policy | None = None

    def prompt(self, values: Mapping[str, str] | None = None) -> str:
        """The system prompt, its `{{name}}` variables filled from `values` (as written when None);
        InvalidRequest names the variables left without a value."""
        if values is None:
            return self.system_prompt
        try:
            return fill(self.system_prompt, values)
        except MissingVariables as exc:
            raise InvalidRequest(f"Agent {self.code!r}: {exc}") from None


def agent_use(store: Store, code: str, providers: Mapping, baseline: Target,
              why_unavailable: Callable[[str], str | None], file_policy: Callable[[], Policy],
              version_number: int | None = None) -> AgentUse:
    """The current version of agent `code` (or its version `version_number`); InvalidRequest when there is no
    such agent or version.

    A fixed target or policy that no longer fits the config is skipped with a warning (the request is then
    routed as usual), so editing the config never breaks an agent's traffic."""
    version = store.get_agent_version(code, version_number)
    if version is None and version_number is not None:
        latest = store.get_agent_version(code)
        if latest is None and store.get_agent(code) is None:
            raise InvalidRequest(f"Unknown agent {code!r}.")
        has = f"its versions are 1 to {latest.version}" if latest is not None else "it has no saved versions"
        raise InvalidRequest(f"Agent {code!r} has no version {version_number}; {has}.")
    if version is None:
        found = store.get_agent(code)
        if found is None:
            known = ", ".join(a.code for a in store.list_agents()) or "none"
            raise InvalidRequest(f"Unknown agent {code!r}. Known agents: {known}.")
        return AgentUse(code, None, found.system_prompt)
    target = policy = None
    try:
        if version.target:
            target = parse_target(version.target, providers)
        elif version.policy and version.policy == file_policy().name:
            policy = file_policy()
        elif version.policy:
            data = store.get_policy(version.policy)
            if data is None:
                raise RouterError(f"no saved policy named {version.policy!r}")
            policy = Policy.from_dict(data, providers, version.policy, baseline, why_unavailable)
    except RouterError as exc:
        log.warning("agent %r v%s: ignoring its fixed route: %s", code, version.version, exc)
    return AgentUse(code, version.version, version.system_prompt, version.temperature, version.max_tokens,
                    target, policy)
