"""Agents with versions, for a front end: create, edit (each edit a new version with a note), duplicate,
archive, list versions, and diff any two of them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog import parse_target
from ..errors import RouterError
from ..validation import MAX_OUTPUT_TOKENS
from ..store.agents import AgentVersionRow as AgentVersionInfo  # one version: prompt, settings, note, time
from .records import WorkspaceError

if TYPE_CHECKING:
    from ..router import Router

SETTINGS = ("temperature", "max_tokens", "target", "policy")  # versioned besides the system prompt
_KEEP: Any = object()  # edit_agent: leave this setting as the current version has it


@dataclass(frozen=True)
class AgentProfile:
    """An agent as requests use it now (`agent=code`): its current version's prompt and defaults."""

    code: str
    name: str
    role: str
    system_prompt: str
    version: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    target: str | None = None  # "provider:model": every request answered by it (unless the caller names one)
    policy: str | None = None  # a saved policy routed under instead of the active one
    archived: bool = False


@dataclass(frozen=True)
class AgentDiff:
    """Two versions of one agent: a unified diff of the system prompt and the settings that changed."""

    code: str
    old: int
    new: int
    prompt_diff: str  # empty: the same prompt
    settings: tuple[tuple[str, Any, Any], ...]  # (setting, in old, in new), changed ones only

    def text(self) -> str:
        """The whole diff as plain text (for a code block or a file)."""
        lines = [f"{name}: {_show(a)} -> {_show(b)}" for name, a, b in self.settings]
        body = self.prompt_diff or f"(system prompt unchanged between v{self.old} and v{self.new})\n"
        return body + ("\n" + "\n".join(lines) + "\n" if lines else "")


def _show(value: Any) -> str:
    return "(none)" if value is None else str(value)


class AgentOps:
    """Agents and their versions (needs `self.router`)."""

    router: "Router"

    # ---- reading ------------------------------------------------------------------------------
    def list_agents(self, include_archived: bool = False) -> list[AgentProfile]:
        """Agents by code with their current version (archived ones only when asked)."""
        store = self.router.store
        return [self._profile(a, store.get_agent_version(a.code)) for a in store.list_agents(include_archived)]

    def get_agent(self, code: str) -> AgentProfile | None:
        store = self.router.store
        agent = store.get_agent(code)
        return None if agent is None else self._profile(agent, store.get_agent_version(code))

    @staticmethod
    def _profile(agent: Any, version: Any) -> AgentProfile:
        extra = {} if version is None else {"version": version.version, **{k: getattr(version, k) for k in SETTINGS}}
        return AgentProfile(agent.code, agent.name, agent.role, agent.system_prompt,
                            archived=bool(agent.archived), **extra)

    def agent_versions(self, code: str) -> list[AgentVersionInfo]:
        """Every version of an agent, oldest first; WorkspaceError for an unknown agent."""
        self._existing(code)
        return self.router.store.list_agent_versions(code)

    def diff_agent_versions(self, code: str, old: int, new: int) -> AgentDiff:
        """What changed from version `old` to version `new` of an agent (either order)."""
        versions = {v.version: v for v in self.agent_versions(code)}
        missing = [n for n in (old, new) if n not in versions]
        if missing:
            raise WorkspaceError(f"agent {code!r} has no version {missing[0]} (it has {', '.join(map(str, versions))})")
        a, b = versions[old], versions[new]
        prompt = "".join(difflib.unified_diff(
            _lines(a.system_prompt), _lines(b.system_prompt), fromfile=f"{code} v{old}", tofile=f"{code} v{new}"))
        changed = tuple((k, getattr(a, k), getattr(b, k)) for k in SETTINGS if getattr(a, k) != getattr(b, k))
        return AgentDiff(code, old, new, prompt, changed)

    # ---- writing ------------------------------------------------------------------------------
    def create_agent(self, code: str, name: str, system_prompt: str, role: str = "", *,
                     temperature: float | None = None, max_tokens: int | None = None, target: str | None = None,
                     policy: str | None = None, note: str = "created") -> AgentProfile:
        """A new agent (its version 1); refused when the code is blank or taken, or a setting is invalid."""
        code = (code or "").strip()
        if not code:
            raise WorkspaceError("an agent needs a code (the name requests use, e.g. \"support\")")
        if self.router.store.get_agent(code) is not None:
            raise WorkspaceError(f"an agent with code {code!r} already exists; edit it or choose another code")
        settings = self._checked({"temperature": temperature, "max_tokens": max_tokens, "target": target,
                                  "policy": policy})
        self.router.store.save_agent({"code": code, "name": (name or "").strip() or code, "role": role or "",
                                      "system_prompt": system_prompt or "", **settings}, note=(note or "").strip())
        return self._existing(code)

    def edit_agent(self, code: str, *, note: str = "", name: str | None = None, role: str | None = None,
                   system_prompt: str | None = None, temperature: Any = _KEEP, max_tokens: Any = _KEEP,
                   target: Any = _KEEP, policy: Any = _KEEP) -> AgentProfile:
        """A new version of an agent with the given changes (None clears a setting); refused when nothing
        changes. Name and role are the agent's, not versioned, but an edit of them alone is recorded too."""
        current = self._existing(code)
        given = {"temperature": temperature, "max_tokens": max_tokens, "target": target, "policy": policy}
        settings = {k: getattr(current, k) for k in SETTINGS}
        settings.update(self._checked({k: v for k, v in given.items() if v is not _KEEP}, base=settings))
        data = {"code": code, "name": current.name if name is None else (name.strip() or code),
                "role": current.role if role is None else role,
                "system_prompt": current.system_prompt if system_prompt is None else system_prompt, **settings}
        before = {"name": current.name, "role": current.role, "system_prompt": current.system_prompt,
                  **{k: getattr(current, k) for k in SETTINGS}}
        if all(before[k] == data[k] for k in before):
            raise WorkspaceError(f"nothing changed in agent {code!r}; no new version saved")
        self.router.store.save_agent(data, note=(note or "").strip())
        return self._existing(code)

    def duplicate_agent(self, code: str, new_code: str, name: str | None = None) -> AgentProfile:
        """A new agent starting from the current version of `code` (its own version 1)."""
        source = self._existing(code)
        return self.create_agent(new_code, name or f"{source.name} (copy)", source.system_prompt, source.role,
                                 **{k: getattr(source, k) for k in SETTINGS},
                                 note=f"duplicated from {code} v{source.version}")

    def archive_agent(self, code: str, archived: bool = True) -> None:
        """Hide an agent from pickers (requests naming it still work), or restore it."""
        if not self.router.store.set_agent_archived(code, archived):
            raise WorkspaceError(f"no agent with code {code!r}")

    def delete_agent(self, code: str) -> None:
        if not self.router.store.delete_agent(code):
            raise WorkspaceError(f"no agent with code {code!r}")

    # ---- helpers ------------------------------------------------------------------------------
    def _existing(self, code: str) -> AgentProfile:
        agent = self.get_agent(code)
        if agent is None:
            raise WorkspaceError(f"no agent with code {code!r}")
        return agent

    def _checked(self, settings: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
        """Settings as stored, or WorkspaceError saying which one is wrong. `base`: the other current settings
        (a fixed target and a policy exclude each other)."""
        out = dict(settings)
        temperature, max_tokens = out.get("temperature"), out.get("max_tokens")
        if temperature is not None:
            if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2:
                raise WorkspaceError(f"temperature must be between 0 and 2; got {temperature!r}")
            out["temperature"] = float(temperature)
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                       or not 1 <= max_tokens <= MAX_OUTPUT_TOKENS):
            raise WorkspaceError(f"max tokens must be a whole number from 1 to {MAX_OUTPUT_TOKENS:,}; "
                                 f"got {max_tokens!r}")
        for key in ("target", "policy"):
            if key in out:
                out[key] = (out[key] or "").strip() or None
        if out.get("target"):
            try:
                out["target"] = str(parse_target(out["target"], self.router.config.providers))
            except RouterError as exc:
                raise WorkspaceError(f"fixed target: {exc}") from None
        if out.get("policy") and out["policy"] not in self.agent_policies():
            raise WorkspaceError(f"no saved policy named {out['policy']!r} (saved: {', '.join(self.agent_policies())})")
        merged = {**(base or {}), **out}
        if merged.get("target") and merged.get("policy"):
            raise WorkspaceError("an agent has a fixed target or a policy, not both")
        return out

    def agent_policies(self) -> list[str]:
        """The policies an agent can route under: the config file's and every saved one."""
        from .policies import FILE_POLICY

        return [FILE_POLICY, *(n for n in self.router.store.list_policies() if n != FILE_POLICY)]


def _lines(text: str) -> list[str]:
    return [line if line.endswith("\n") else line + "\n" for line in (text or "").splitlines(keepends=True)]
