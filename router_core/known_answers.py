"""Known-answer check: does a target get questions with one right answer right? No judge involved.

    items = load_items(set_name="own")                     # data/known_answers.jsonl, optionally one source
    results = run(router, "local:smollm2-135m", items)     # each prompt answered through the Router
    summary = summarise(results)                           # accuracy overall, per kind and per tier

An answer is right when its normalised final answer matches exactly:
- `number` items: the last number in the answer ("17 * 23 = 391." -> 391; commas, "$" and a trailing
  ".0" are ignored) equals one of the accepted numbers;
- `word` items: one of the accepted words or phrases occurs in the answer as whole words, ignoring case
  ("The capital of France is Paris." matches "paris").
The tier of each item is the classifier's verdict now (the file's `tier` records it when the set was
written; a test keeps the two equal).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import complexity
from .config import REPO_ROOT
from .errors import RouterError
from .types import Complexity

if TYPE_CHECKING:
    from .router import Router

KNOWN_ANSWERS_PATH = REPO_ROOT / "data" / "known_answers.jsonl"
DEFAULT_TARGET = "local:smollm2-135m"
SETS = ("all", "own", "mt-bench", "gsm8k")  # `own`: the hand-written arithmetic, unit, fact and greeting items
MAX_TOKENS = 200
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


class KnownAnswersError(RouterError, ValueError):
    """The known-answer set could not be read or selected."""


@dataclass(frozen=True)
class KnownAnswer:
    """One question with its accepted answers; `match` is "number" or "word"."""

    prompt: str
    accept: tuple[str, ...]
    match: str
    kind: str
    source: str


@dataclass(frozen=True)
class Checked:
    """One item's outcome: the extracted final answer, whether it matched, the raw text or the error."""

    prompt: str
    kind: str
    tier: str
    source: str
    expected: str
    got: str | None
    correct: bool
    text: str
    error: str | None = None


def load_items(path: Path | None = None, set_name: str = "all") -> list[KnownAnswer]:
    """The items of `path` (default data/known_answers.jsonl) whose source belongs to `set_name`."""
    if set_name not in SETS:
        raise KnownAnswersError(f"unknown set {set_name!r}; choose one of {', '.join(SETS)}")
    path = Path(path or KNOWN_ANSWERS_PATH)
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise KnownAnswersError(f"the known-answer set {path} is missing") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = KnownAnswer(row["prompt"], tuple(str(a) for a in row["accept"]), row["match"], row["kind"],
                               row["source"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise KnownAnswersError(f"{path.name} line {number} is not a known-answer item ({exc})") from None
        if item.match not in ("number", "word") or not item.accept:
            raise KnownAnswersError(f"{path.name} line {number}: match must be 'number' or 'word' with answers")
        if set_name == "all" or item.source.split(":")[0] == set_name:
            items.append(item)
    return items


def _number(text: str) -> float | None:
    cleaned = text.replace(",", "").rstrip(".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def final_number(text: str) -> str | None:
    """The last number in `text`, normalised ("1,200.00" -> "1200"); None when there is none."""
    found = [n for n in (_number(m) for m in _NUMBER.findall(text)) if n is not None]
    if not found:
        return None
    value = found[-1]
    return str(int(value)) if value == int(value) else str(value)


def matched_word(text: str, accept: Iterable[str]) -> str | None:
    """The first accepted word or phrase found in `text` as whole words (case ignored)."""
    lowered = text.lower()
    for word in accept:
        if re.search(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", lowered):
            return word
    return None


def check_answer(item: KnownAnswer, text: str) -> tuple[str | None, bool]:
    """(the final answer found in `text`, whether it is one of the accepted answers)."""
    if item.match == "number":
        got = final_number(text)
        return got, got is not None and any(_number(a) == _number(got) for a in item.accept)
    got = matched_word(text, item.accept)
    return got, got is not None


def run(router: "Router", target: str, items: Sequence[KnownAnswer], *, max_tokens: int = MAX_TOKENS,
        progress: Callable[[int, int, Checked], None] | None = None) -> list[Checked]:
    """Ask `target` ("provider:model") every item through the router (no cache, temperature 0, logged as
    source "eval") and check each answer. A failed call counts as wrong and keeps its error."""
    provider, _, model = target.partition(":")
    results = []
    for i, item in enumerate(items, start=1):
        tier = complexity.classify(item.prompt).level.value
        try:
            c = router.complete(item.prompt, provider=provider, model=model or None, use_cache=False,
                                max_tokens=max_tokens, temperature=0, source="eval")
            got, correct = check_answer(item, c.text)
            checked = Checked(item.prompt, item.kind, tier, item.source, item.accept[0], got, correct, c.text)
        except RouterError as exc:
            checked = Checked(item.prompt, item.kind, tier, item.source, item.accept[0], None, False, "", str(exc))
        results.append(checked)
        if progress is not None:
            progress(i, len(items), checked)
    return results


def _rate(group: Sequence[Checked]) -> dict[str, Any]:
    right = sum(r.correct for r in group)
    return {"n": len(group), "correct": right, "accuracy": right / len(group) if group else None}


def summarise(results: Sequence[Checked]) -> dict[str, Any]:
    """Overall, per kind and per tier: n, correct, accuracy (None for an empty group); errors counted."""
    by_kind = {k: _rate([r for r in results if r.kind == k]) for k in sorted({r.kind for r in results})}
    tiers = [t.value for t in Complexity.tiers()]
    by_tier = {t: _rate([r for r in results if r.tier == t]) for t in tiers if any(r.tier == t for r in results)}
    return {**_rate(results), "errors": sum(r.error is not None for r in results), "by_kind": by_kind,
            "by_tier": by_tier}


def as_rows(results: Sequence[Checked]) -> list[dict[str, Any]]:
    """The results as plain dicts (for JSON)."""
    return [asdict(r) for r in results]


__all__ = ["KnownAnswer", "Checked", "KnownAnswersError", "load_items", "final_number", "matched_word",
           "check_answer", "run", "summarise", "as_rows", "KNOWN_ANSWERS_PATH", "DEFAULT_TARGET", "SETS"]
