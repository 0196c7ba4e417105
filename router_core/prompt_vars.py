"""Prompt variables: `{{name}}` placeholders in a system or user prompt, found and filled.

    variables("Hi {{ name }}, about {{topic}} and {{name}}")   # ['name', 'topic']
    fill("Hi {{ name }}", {"name": "Ada"})                     # 'Hi Ada'
    fill("Hi {{ name }}", {})                                  # MissingVariables: ... name

A name is [A-Za-z_][A-Za-z0-9_]*; spaces inside the braces are allowed. Anything else in double braces
(`{{ 1x }}`, `{{a-b}}`, `{{}}`) is plain text and left as it is. Filling is one pass: a value that itself
contains `{{x}}` is inserted as written, never expanded again. Pure functions, no I/O; shared by the
Playground and prompt experiments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class MissingVariables(ValueError):
    """Some variables of a template have no value; `.names` lists them in order of first appearance."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        shown = ", ".join(names)
        super().__init__(f"Fill in the prompt variable{'s' if len(names) > 1 else ''} {shown} before sending "
                         f"(the prompt uses {' '.join('{{' + n + '}}' for n in names)}).")


def variables(text: str) -> list[str]:
    """The variable names used in `text`, each once, in order of first appearance."""
    return list(dict.fromkeys(m.group(1) for m in PATTERN.finditer(text)))


def variables_of(texts: Iterable[str]) -> list[str]:
    """The variable names used across several texts (e.g. system then user prompt), each once, in order."""
    return list(dict.fromkeys(name for text in texts for name in variables(text)))


def missing(text: str, values: Mapping[str, object]) -> list[str]:
    """The variables of `text` that `values` does not give (absent or None), in order of first appearance."""
    return [name for name in variables(text) if values.get(name) is None]


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with every `{{name}}` replaced by str(values[name]); MissingVariables (a ValueError) names the
    variables without a value. Extra keys in `values` are ignored."""
    absent = missing(text, values)
    if absent:
        raise MissingVariables(absent)
    return PATTERN.sub(lambda m: str(values[m.group(1)]), text)
