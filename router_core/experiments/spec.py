"""An experiment described in a TOML file (`python -m router_core experiment FILE.toml`).

    name = "FAQ answers"
    targets = ["auto", "baseline", "groq:llama-3.1-8b-instant"]
    policy = "cheaper-medium"          # optional: what `auto` routes under (default: the active policy)
    judge = "openai:gpt-6-astra"       # optional: for judge / pairwise scorers (default: [quality] judge)
    max_cost_usd = 0.50                # optional spend cap (answers + judge)
    concurrency = 4                    # optional: inputs worked on at once

    [dataset]
    file = "faq.csv"                   # relative to the TOML file; or: logs = { since = "30d", limit = 20 }

    [[variants]]                       # a draft ...
    name = "terse"
    system = "Answer in one short sentence."
    template = "{{question}}"

    [[variants]]                       # ... or an agent's version (default: its current one)
    agent = "support"
    version = 2
    template = "{{question}}"

    [[scorers]]
    kind = "contains"                  # exact, contains, regex, json_schema, judge, pairwise

Unknown keys are refused (a typo would otherwise be silently ignored).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import ExperimentError

TOP_KEYS = {"name", "dataset", "variants", "targets", "scorers", "policy", "judge", "max_cost_usd", "concurrency",
            "allow_self_judge"}
VARIANT_KEYS = {"name", "agent", "version", "system", "template", "temperature", "max_tokens"}
LOG_KEYS = {"since", "until", "org", "agent", "tier", "limit"}


@dataclass(frozen=True)
class ExperimentSpec:
    """What a TOML file asks for, with its dataset file resolved against the file's folder."""

    name: str
    dataset_file: Path | None
    dataset_logs: Mapping[str, Any] | None
    dataset_limit: int | None
    variants: list[dict[str, Any]]
    targets: list[str]
    scorers: list[dict[str, Any]]
    policy: str | None = None
    judge: str | None = None
    max_cost_usd: float | None = None
    concurrency: int = 4
    allow_self_judge: bool = False


def _where(path: Path | str) -> str:
    return Path(path).name


def load(path: Path | str) -> ExperimentSpec:
    """Read and check `path`; ExperimentError says what is wrong and where."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExperimentError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ExperimentError(f"{_where(path)} is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{_where(path)} is not valid TOML: {exc}") from None
    return parse(data, path.parent, _where(path))


def _list_of_tables(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ExperimentError(f"{where}: add at least one [[{key}]] table")
    return [dict(v) for v in value]


def _number(value: Any, key: str, where: str, kind: type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ExperimentError(f"{where}: {key} must be a {'whole ' if kind is int else ''}number, not {value!r}")
    return kind(value)


def parse(data: Mapping[str, Any], base: Path, where: str = "the experiment") -> ExperimentSpec:
    """An ExperimentSpec from already-parsed TOML (see the module docstring)."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ExperimentError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(TOP_KEYS))}")
    dataset = data.get("dataset")
    if not isinstance(dataset, dict):
        raise ExperimentError(f"{where}: add a [dataset] table with file = \"inputs.csv\" or "
                              "logs = { since = \"30d\" }")
    if set(dataset) - {"file", "logs", "limit"} or ("file" in dataset) == ("logs" in dataset):
        raise ExperimentError(f"{where}: [dataset] takes file = \"...\" or logs = {{...}} (one of them) and an "
                              "optional limit")
    file = logs = None
    if "file" in dataset:
        if not isinstance(dataset["file"], str) or not dataset["file"].strip():
            raise ExperimentError(f"{where}: [dataset] file must be a path")
        file = (base / dataset["file"]).resolve()
    else:
        logs = dataset["logs"]
        if not isinstance(logs, dict) or set(logs) - LOG_KEYS:
            raise ExperimentError(f"{where}: [dataset] logs is a table of {', '.join(sorted(LOG_KEYS))}")
    variants = _list_of_tables(data, "variants", where)
    for number, v in enumerate(variants, start=1):
        bad = sorted(set(v) - VARIANT_KEYS)
        if bad:
            raise ExperimentError(f"{where}: variant {number} has unknown key(s) {', '.join(bad)}; known: "
                                  f"{', '.join(sorted(VARIANT_KEYS))}")
        if "agent" in v and "system" in v:
            raise ExperimentError(f"{where}: variant {number} names an agent and a system prompt; an agent variant "
                                  "uses its version's prompt, a draft has system = \"...\" (pick one)")
    targets = data.get("targets")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise ExperimentError(f"{where}: targets must be a list like [\"auto\", \"baseline\", \"provider:model\"]")
    for key in ("name", "policy", "judge"):
        if key in data and not isinstance(data[key], str):
            raise ExperimentError(f"{where}: {key} must be text")
    return ExperimentSpec(
        name=str(data.get("name", "")), dataset_file=file, dataset_logs=logs,
        dataset_limit=_number(dataset.get("limit"), "[dataset] limit", where, int), variants=variants,
        targets=list(targets), scorers=_list_of_tables(data, "scorers", where), policy=data.get("policy"),
        judge=data.get("judge"), max_cost_usd=_number(data.get("max_cost_usd"), "max_cost_usd", where, float),
        concurrency=_number(data.get("concurrency"), "concurrency", where, int) or 4,
        allow_self_judge=bool(data.get("allow_self_judge", False)))
