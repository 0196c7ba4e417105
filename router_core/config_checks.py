"""Reading a config file's values with every problem collected, each saying where and what to write instead."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError


class Checker:
    """Collects problems ("file: key.path: what and what to write instead") and reads typed values."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def table(self, data: Any, where: str) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add(where, f"expected a table ([{where}]), got {type(data).__name__}")
            return {}
        return data

    def known_keys(self, data: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
        allowed = list(allowed)
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                did_you_mean = f"did you mean {hint[0]!r}? " if hint else ""
                self.add(f"{where}.{key}", f"unknown setting; {did_you_mean}valid keys: {', '.join(allowed)}")

    def number(self, data: Mapping[str, Any], key: str, where: str, default: float, *, integer: bool = False,
               minimum: float | None = 0.0, strictly_positive: bool = False, maximum: float | None = None) -> Any:
        if key not in data:
            return default
        value = data[key]
        path = f"{where}.{key}"
        kind = "a whole number" if integer else "a number"
        bounds = []
        if minimum is not None:
            bounds.append(f"{'>' if strictly_positive else '>='} {minimum:g}")
        if maximum is not None:
            bounds.append(f"<= {maximum:g}")
        expected = f"{kind} {' and '.join(bounds)}".strip()
        example = f"{key} = {_fmt(default)}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(path, f"expected {expected}, got {value!r}; write e.g. {example}")
            return default
        if integer and isinstance(value, float):
            if not value.is_integer():
                self.add(path, f"expected {expected}, got {value!r}; write e.g. {example}")
                return default
            value = int(value)
        if not math.isfinite(value):
            self.add(path, f"expected a finite number, got {value!r}; write e.g. {example}")
            return default
        if minimum is not None and (value < minimum or (strictly_positive and value <= minimum)):
            self.add(path, f"expected {expected}, got {value!r}; write e.g. {example}")
            return default
        if maximum is not None and value > maximum:
            self.add(path, f"expected {expected}, got {value!r}; write e.g. {example}")
            return default
        return int(value) if integer else float(value)

    def string(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str | None:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, str):
            self.add(f"{where}.{key}", f"expected a quoted string, got {value!r}; write e.g. {key} = \"...\"")
            return default
        return value

    def fail_if_any(self) -> None:
        if self.problems:
            lines = self.problems
            if len(lines) == 1:
                raise ConfigError(f"{self.source}: {lines[0]}")
            raise ConfigError(f"{self.source}: {len(lines)} problems:\n" + "\n".join(f"  - {p}" for p in lines))


def _fmt(value: float) -> str:
    return f"{value:_}" if isinstance(value, int) and value >= 10_000 else f"{value:g}"
