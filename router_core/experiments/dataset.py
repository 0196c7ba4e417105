"""An experiment's dataset: the inputs every prompt variant is run on.

    load_file(content, "faq.csv")     # CSV with a header, or JSONL objects: a column / key per {{variable}},
                                      # plus an optional `expected` column (what exact / contains compare with)
    from_logs(rows, "logged traffic") # a sample of logged prompts: one variable, {{prompt}}

Column names are kept as written (a template names them exactly); `expected` is matched ignoring case.
Values are text (numbers are kept as written); an empty cell is an empty string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import RouterError
from ..prompt_files import MAX_PROMPT_CHARS, PromptFileError, display_name, read_rows

EXPECTED = "expected"
MAX_INPUTS = 5_000
LOGGED_VARIABLE = "prompt"


class ExperimentError(RouterError, ValueError):
    """An experiment cannot be built or run as described; the message says what to change."""


class DatasetError(ExperimentError, PromptFileError):
    """A dataset file could not be read; the message says what was found and what to provide."""


@dataclass(frozen=True)
class Input:
    """One row: its variables and, optionally, the expected answer."""

    vars: Mapping[str, str] = field(default_factory=dict)
    expected: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"vars": dict(self.vars), "expected": self.expected}


@dataclass(frozen=True)
class Dataset:
    """Described inputs ("upload faq.csv (3 inputs)") and the variables every row has."""

    description: str
    inputs: tuple[Input, ...]

    @property
    def variables(self) -> list[str]:
        """The variables present in every input, in the order of the first."""
        if not self.inputs:
            return []
        common = set.intersection(*(set(i.vars) for i in self.inputs))
        return [name for name in self.inputs[0].vars if name in common]

    @property
    def has_expected(self) -> bool:
        return bool(self.inputs) and all(i.expected is not None for i in self.inputs)


def _value(value: Any, where: str, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise DatasetError(f"{where}: {key!r} is a {type(value).__name__}; every value must be text or a number")
    text = str(value)
    if len(text) > MAX_PROMPT_CHARS:
        raise DatasetError(f"{where}: {key!r} has {len(text):,} characters, more than the {MAX_PROMPT_CHARS:,} "
                           "a request may have")
    return text


def _input(row: Mapping[str, Any], where: str) -> Input:
    names = [k for k in row if isinstance(k, str) and k.strip()]
    expected_key = next((k for k in names if k.strip().lower() == EXPECTED), None)
    variables = {k.strip(): _value(row[k], where, k.strip()) for k in names if k != expected_key}
    expected = None if expected_key is None else _value(row[expected_key], where, EXPECTED)
    return Input(variables, expected)


def load_file(content: bytes | str, filename: str | None, limit: int | None = None) -> Dataset:
    """A dataset from an uploaded .csv / .jsonl / .ndjson file (see the module docstring)."""
    rows = read_rows(content, filename, error=DatasetError, required=None,
                     wanted="a column per {{variable}} (and optionally 'expected')")
    inputs = [_input(row, where) for where, row in rows]
    return _limited(f"upload {display_name(filename)}", inputs, limit)


def from_logs(rows: Iterable[Mapping[str, Any]], description: str, limit: int | None = None) -> Dataset:
    """A dataset of logged prompts (rows of `Store.logged_prompts`): one variable, {{prompt}}."""
    inputs = [Input({LOGGED_VARIABLE: str(r["prompt"])}) for r in rows if str(r.get("prompt") or "").strip()]
    return _limited(description, inputs, limit)


def from_dicts(items: Iterable[Mapping[str, Any]], description: str) -> Dataset:
    """A dataset from stored inputs ({"vars": {...}, "expected": ...})."""
    return Dataset(description, tuple(Input(dict(i.get("vars") or {}), i.get("expected")) for i in items))


def _limited(description: str, inputs: list[Input], limit: int | None) -> Dataset:
    if limit is not None:
        if limit < 1:
            raise DatasetError(f"the limit must be at least 1, not {limit}")
        inputs = inputs[:limit]
    if not inputs:
        raise DatasetError(f"{description}: the dataset is empty (no input rows); add at least one row")
    if len(inputs) > MAX_INPUTS:
        raise DatasetError(f"{description} has {len(inputs):,} inputs; an experiment takes at most {MAX_INPUTS:,}")
    return Dataset(f"{description} ({len(inputs)} input{'s' if len(inputs) != 1 else ''})", tuple(inputs))
