"""Prompt variants: an agent's version, or a draft (a system prompt and a user template), with `{{variable}}`
placeholders filled from each input.

    v = draft("short", system="Answer in one line.", template="{{question}}")
    v = from_agent("support v2", version_row, template="{{question}}")   # the version's prompt and defaults
    check_variables([v], dataset)        # ExperimentError naming the variant, variable and row: before any call
    v.messages({"question": "Hi"})       # [Message("system", ...), Message("user", "Hi")]

Placeholders are found and filled by `router_core.prompt_vars` (the Playground's rules). The user template defaults to `{{prompt}}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..prompt_vars import fill, variables_of
from ..types import Message
from .dataset import Dataset, ExperimentError

DEFAULT_TEMPLATE = "{{prompt}}"
MAX_LABEL = 60


@dataclass(frozen=True)
class Variant:
    """One prompt variant as an experiment stores it (an agent's version is resolved to its text)."""

    label: str
    kind: str  # "agent" or "draft"
    system: str = ""
    template: str = DEFAULT_TEMPLATE
    temperature: float | None = None
    max_tokens: int | None = None
    agent: str | None = None
    version: int | None = None

    @property
    def variables(self) -> list[str]:
        """The placeholders of the system prompt and the template, in order of appearance."""
        return variables_of((self.system, self.template))

    def user_text(self, values: Mapping[str, str]) -> str:
        return fill(self.template, values)

    def messages(self, values: Mapping[str, str]) -> list[Message]:
        """The request for one input: the filled system prompt (when there is one), then the filled template."""
        system = fill(self.system, values)
        user = [Message("user", self.user_text(values))]
        return [Message("system", system), *user] if system.strip() else user

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label(label: str | None, fallback: str) -> str:
    label = (label or "").strip() or fallback
    if len(label) > MAX_LABEL:
        raise ExperimentError(f"the variant name {label[:20]!r}... is longer than {MAX_LABEL} characters")
    return label


def draft(label: str | None, *, system: str = "", template: str | None = None, temperature: float | None = None,
          max_tokens: int | None = None, fallback: str = "draft") -> Variant:
    """A variant written for the experiment (not saved as an agent)."""
    template = template if template is not None and template.strip() else DEFAULT_TEMPLATE
    return Variant(_label(label, fallback), "draft", system or "", template, temperature, max_tokens)


def from_agent(label: str | None, version: Any, *, template: str | None = None) -> Variant:
    """A variant from one stored agent version (`Store.get_agent_version`): its prompt, temperature and max
    tokens. Its fixed target or policy does not apply: the experiment's targets say who answers."""
    template = template if template is not None and template.strip() else DEFAULT_TEMPLATE
    fallback = f"{version.agent} v{version.version}"
    return Variant(_label(label, fallback), "agent", version.system_prompt or "", template, version.temperature,
                   version.max_tokens, version.agent, version.version)


def from_dict(data: Mapping[str, Any]) -> Variant:
    """A stored variant back."""
    return Variant(**{k: data.get(k) for k in Variant.__dataclass_fields__ if k in data})


def check_variants(variants: Sequence[Variant], dataset: Dataset) -> None:
    """Refuse, before anything is paid: no variant, a repeated name, a placeholder some input lacks, or an input
    that fills a template to nothing."""
    if not variants:
        raise ExperimentError("add at least one prompt variant (an agent version or a draft)")
    labels = [v.label for v in variants]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ExperimentError(f"two variants are named {repeated[0]!r}; give each variant its own name")
    available = dataset.variables
    for v in variants:
        for name in v.variables:
            for number, item in enumerate(dataset.inputs, start=1):
                if name not in item.vars:
                    has = ", ".join(repr(x) for x in item.vars) or "none"
                    raise ExperimentError(
                        f"variant {v.label!r} uses {{{{{name}}}}}, but input {number} of {dataset.description} has "
                        f"no {name!r} (its variables: {has}). Add a {name!r} column to the dataset or change the "
                        f"template. Variables every input has: {', '.join(available) or 'none'}.")
        for number, item in enumerate(dataset.inputs, start=1):
            if not v.user_text(item.vars).strip():
                raise ExperimentError(f"variant {v.label!r} gives input {number} an empty user message (its "
                                      f"template is {v.template!r}); fill the variables or change the template")
