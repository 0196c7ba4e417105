"""Prompt sets for evaluation runs: an uploaded CSV / JSONL file, a built-in benchmark, or logged traffic.

    load_file(content, "prompts.csv")      # "prompt" column / field; optional "reference" and "category"
    load_builtin("mt-bench")               # MT-Bench's 80 questions, turn 1, with GPT-4's reference answers
                                           # where MT-Bench has them (math, reasoning, coding)

Multi-turn benchmark questions are evaluated on their first turn only (the later turns lean on an answer the
contestants would each have written differently).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import REPO_ROOT
from ..prompt_files import ACCEPTED_EXTENSIONS, PromptFileError, display_name, field, read_rows

BENCHMARKS = REPO_ROOT / "data" / "benchmarks"
MAX_PROMPTS = 5_000
ACCEPTED = ACCEPTED_EXTENSIONS


class PromptSetError(PromptFileError):
    """A prompt set could not be read; the message says what was found and what to provide."""


@dataclass(frozen=True)
class EvalPrompt:
    """One prompt of a set, with the reference answer (the judge then uses pair-math-v1) and a category."""

    prompt: str
    reference: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class PromptSet:
    """A described list of prompts ("mt-bench, turn 1 (80 prompts)")."""

    description: str
    prompts: tuple[EvalPrompt, ...]


def _first_turn(turns: Any) -> str:
    first = turns[0] if isinstance(turns, list) and turns else ""
    return str(first.get("content", "") if isinstance(first, dict) else first)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _mt_bench() -> list[EvalPrompt]:
    references = {r["question_id"]: _first_turn(r["choices"][0]["turns"])
                  for r in _read_jsonl(BENCHMARKS / "fastchat_mt_bench" / "mt_bench_reference_answer_gpt-4.jsonl")}
    return [EvalPrompt(_first_turn(q["turns"]), references.get(q["question_id"]), q.get("category"))
            for q in _read_jsonl(BENCHMARKS / "routellm" / "mt_bench_question.jsonl")]


def _plain(path: Path) -> list[EvalPrompt]:
    return [EvalPrompt(_first_turn(q["turns"]), None, q.get("category")) for q in _read_jsonl(path)]


BUILTIN_SETS = {
    "mt-bench": ("MT-Bench, turn 1, GPT-4 reference answers for math / reasoning / coding", _mt_bench),
    "vicuna": ("Vicuna-bench", lambda: _plain(BENCHMARKS / "fastchat_mt_bench" / "vicuna_bench_question.jsonl")),
    "arena-hard": ("Arena-Hard v0.1", lambda: _plain(BENCHMARKS / "arena_hard" / "arena_hard_v0.1_question.jsonl")),
}


def _limited(description: str, prompts: Iterable[EvalPrompt], limit: int | None) -> PromptSet:
    items = tuple(p for p in prompts if p.prompt.strip())
    if limit is not None:
        if limit < 1:
            raise PromptSetError(f"the limit must be at least 1, not {limit}")
        items = items[:limit]
    if not items:
        raise PromptSetError(f"{description}: no prompts to evaluate")
    return PromptSet(f"{description} ({len(items)} prompts)", items)


def load_builtin(name: str, limit: int | None = None) -> PromptSet:
    """A built-in benchmark set by name (see BUILTIN_SETS), its first `limit` prompts."""
    if name not in BUILTIN_SETS:
        raise PromptSetError(f"unknown prompt set {name!r}; built-in sets: {', '.join(BUILTIN_SETS)}")
    description, loader = BUILTIN_SETS[name]
    return _limited(description, loader(), limit)


def _text(value: Any, where: str, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float)):
        raise PromptSetError(f"{where}: {key!r} is a {type(value).__name__}, expected text")
    return str(value)


def load_file(content: bytes | str, filename: str, limit: int | None = None) -> PromptSet:
    """An uploaded set: CSV with a "prompt" column or JSONL objects with a "prompt" field; "reference" and
    "category" are optional. Blank prompts are skipped."""
    prompts = []
    for where, row in read_rows(content, filename, error=PromptSetError):
        prompt = _text(field(row, "prompt"), where, "prompt")
        if prompt and prompt.strip():
            prompts.append(EvalPrompt(prompt.strip(), _text(field(row, "reference"), where, "reference"),
                                      _text(field(row, "category"), where, "category")))
    name = display_name(filename)
    if len(prompts) > MAX_PROMPTS and (limit is None or limit > MAX_PROMPTS):
        raise PromptSetError(f"{name} has {len(prompts):,} prompts; a run takes at most {MAX_PROMPTS:,} "
                             "(use a sample or --limit)")
    return _limited(f"upload {name}", prompts, limit)


def from_logs(rows: Iterable[Mapping[str, Any]], description: str) -> PromptSet:
    """A set from logged traffic (rows of `Store.logged_prompts`)."""
    return _limited(description, (EvalPrompt(str(r["prompt"]), None, r.get("tier")) for r in rows), None)
