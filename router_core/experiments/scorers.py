"""How a cell is scored. Pass/fail scorers give 1 or 0; the judge gives 1-10.

  exact       the answer equals `expected`          both compared case-insensitively, with runs of
  contains    the answer contains `expected`        whitespace as one space and the ends trimmed
  regex       `pattern` is found in the answer (re.search; `ignore_case = true` for IGNORECASE)
  json_schema the answer is JSON valid against `schema` (jsonschema; one surrounding ``` fence is allowed)
  judge       MT-Bench single-v1: the judge rates the answer 1-10 ([[N]]; no rating is an error, not 0)
  pairwise    MT-Bench pair-v2 in both orders against the `reference` variant's answer from the same target:
              1 when not worse (a win or a tie), 0 when worse; the reference's own cells are 1 by definition

    scorer = build({"kind": "regex", "pattern": r"\\b\\d{3}\\b"})     # ExperimentError for a bad pattern
    scorer.check(answer="Room 101", expected=None)               # Score(1.0, "matched '101'")
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .dataset import ExperimentError

PASS, RATING = "pass", "rating"  # scales: 0/1 (Wilson interval) and 1-10 (t interval)
KINDS = ("exact", "contains", "regex", "json_schema", "judge", "pairwise")
JUDGED = ("judge", "pairwise")
_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?```\s*$", re.S)
MAX_DETAIL = 300


@dataclass(frozen=True)
class Score:
    """One scorer's result for one cell: `score` None when it could not score (`error` says why)."""

    score: float | None
    detail: str = ""
    error: str | None = None
    cost_usd: float | None = None
    simulated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "detail": self.detail, "error": self.error, "cost_usd": self.cost_usd,
                "simulated": self.simulated}


@dataclass(frozen=True)
class Scorer:
    """A scorer as an experiment stores it (`settings`: pattern, ignore_case, schema or reference)."""

    name: str
    kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> str:
        return RATING if self.kind == "judge" else PASS

    @property
    def judged(self) -> bool:
        return self.kind in JUDGED

    @property
    def needs_expected(self) -> bool:
        return self.kind in ("exact", "contains")

    def describe(self) -> str:
        if self.kind == "regex":
            return f"regex /{self.settings['pattern']}/" + ("i" if self.settings.get("ignore_case") else "")
        if self.kind == "pairwise":
            return f"pairwise judge against {self.settings['reference']!r}"
        return {"exact": "exact match with expected (case and whitespace ignored)",
                "contains": "contains expected (case and whitespace ignored)", "json_schema": "JSON schema",
                "judge": "judge rating 1-10 (MT-Bench single-v1)"}[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, **self.settings}

    def check(self, answer: str, expected: str | None) -> Score:
        """The score of a pass/fail scorer that needs no model (exact, contains, regex, json_schema)."""
        if self.kind in ("exact", "contains"):
            if expected is None:
                return Score(None, error="this input has no expected answer")
            got, want = normalise(answer), normalise(expected)
            ok = got == want if self.kind == "exact" else want in got
            verb = "equals" if self.kind == "exact" else "contains"
            return Score(1.0 if ok else 0.0, f"{verb} {_short(expected)!r}" if ok else f"does not {verb[:-1]} "
                         f"{_short(expected)!r}")
        if self.kind == "regex":
            found = _regex(self.settings).search(answer)
            return Score(1.0, f"matched {_short(found.group(0))!r}") if found else Score(0.0, "no match")
        if self.kind == "json_schema":
            return _json_schema(self.settings["schema"], answer)
        raise ValueError(f"{self.kind} needs the judge")


def normalise(text: str) -> str:
    """Case-folded, with runs of whitespace as one space and the ends trimmed."""
    return " ".join((text or "").split()).casefold()


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _regex(settings: Mapping[str, Any]) -> re.Pattern[str]:
    return re.compile(settings["pattern"], re.IGNORECASE if settings.get("ignore_case") else 0)


def _json_schema(schema: Mapping[str, Any], answer: str) -> Score:
    import jsonschema

    text = answer.strip()
    fenced = _FENCE.match(text)
    try:
        value = json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError as exc:
        return Score(0.0, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    if error is None:
        return Score(1.0, "valid against the schema")
    where = "/".join(str(p) for p in error.absolute_path) or "(the whole value)"
    return Score(0.0, f"invalid at {where}: {error.message}"[:MAX_DETAIL])


def build(data: Mapping[str, Any]) -> Scorer:
    """A checked scorer from its description (see the module docstring); ExperimentError says what is wrong."""
    if not isinstance(data, Mapping):
        raise ExperimentError(f"a scorer is a table like {{kind = \"exact\"}}, not {data!r}")
    kind = str(data.get("kind") or "").strip().lower().replace("-", "_")
    if kind not in KINDS:
        raise ExperimentError(f"unknown scorer kind {data.get('kind')!r}; use one of {', '.join(KINDS)}")
    name = str(data.get("name") or kind).strip()
    allowed = {"kind", "name", *{"regex": ("pattern", "ignore_case"), "json_schema": ("schema",),
                                 "pairwise": ("reference",)}.get(kind, ())}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ExperimentError(f"scorer {name!r} ({kind}) does not take {', '.join(unknown)}")
    settings: dict[str, Any] = {}
    if kind == "regex":
        pattern = data.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ExperimentError(f"scorer {name!r}: a regex scorer needs a pattern, e.g. pattern = \"\\\\d+\"")
        settings = {"pattern": pattern, "ignore_case": bool(data.get("ignore_case", False))}
        try:
            _regex(settings)
        except re.error as exc:
            raise ExperimentError(f"scorer {name!r}: the pattern {pattern!r} is not a valid regular expression: "
                                  f"{exc}") from None
    elif kind == "json_schema":
        settings = {"schema": _schema(name, data.get("schema"))}
    elif kind == "pairwise":
        reference = str(data.get("reference") or "").strip()
        if not reference:
            raise ExperimentError(f"scorer {name!r}: a pairwise scorer needs the reference variant's name "
                                  "(reference = \"...\")")
        settings = {"reference": reference}
    return Scorer(name, kind, settings)


def _schema(name: str, value: Any) -> dict[str, Any]:
    import jsonschema

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ExperimentError(f"scorer {name!r}: the schema is not valid JSON ({exc.msg} at line {exc.lineno} "
                                  f"column {exc.colno})") from None
    if not isinstance(value, Mapping):
        raise ExperimentError(f"scorer {name!r}: a json_schema scorer needs a schema object, e.g. "
                              "schema = {type = \"object\", required = [\"answer\"]}")
    try:
        jsonschema.Draft202012Validator.check_schema(dict(value))
    except jsonschema.exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise ExperimentError(f"scorer {name!r}: the JSON schema is invalid at {where}: {exc.message}") from None
    return dict(value)


def check_scorers(scorers: Sequence[Scorer], *, variant_labels: Sequence[str], has_expected: bool) -> None:
    """Refuse, before anything is paid: no scorer, a repeated name, exact / contains without an `expected`
    column, a pairwise reference that is not a variant."""
    if not scorers:
        raise ExperimentError("add at least one scorer: exact, contains, regex, json_schema, judge or pairwise")
    names = [s.name for s in scorers]
    repeated = sorted({x for x in names if names.count(x) > 1})
    if repeated:
        raise ExperimentError(f"two scorers are named {repeated[0]!r}; give one a name (name = \"...\")")
    for s in scorers:
        if s.needs_expected and not has_expected:
            raise ExperimentError(f"scorer {s.name!r} ({s.kind}) compares with the expected answer, but not every "
                                  "input of the dataset has an 'expected' value; add an 'expected' column")
        if s.kind == "pairwise" and s.settings["reference"] not in variant_labels:
            raise ExperimentError(f"scorer {s.name!r}: the reference variant {s.settings['reference']!r} is not one "
                                  f"of the variants ({', '.join(repr(v) for v in variant_labels)})")
