"""What-if replay: a prompt set through a routing policy -> tier distribution and projected cost vs baseline.

    from router_core.replay import load_prompts, classify_prompts, project, compare
    prompts = load_prompts(open("data/sample_prompts.jsonl", "rb").read(), "sample_prompts.jsonl")
    judged = classify_prompts(prompts)                     # classify once, project under many policies
    a = project(judged, router.policy, router.prices, router.policy.baseline)
    b = project(judged, Policy.from_dict(data, router.config.providers, "cheap", baseline), router.prices, baseline)
    compare([a, b])                                        # one row per policy, side by side

Nothing is sent to any provider. The projection is an estimate, and says so:
- prompt tokens are *estimated* from the text (about 4 characters a token plus a few for the chat
  framing; real tokenizers differ by roughly ±20 %, more for code and non-English text);
- answer lengths are an assumed number of output tokens per tier (`DEFAULT_OUTPUT_TOKENS`, adjustable);
- each prompt is priced on the first candidate of its tier (optionally the first *available* one),
  i.e. as if that call succeeded: retries, fallbacks and cache hits are not modelled.

Logged traffic (`logged_prompts`) is projected from what was measured instead (LOGGED_NOTE): each request keeps
its logged tier and its logged input / cached-input / output tokens; a candidate that failed for that request
(its attempt trail) is passed over as it was then; a cache hit costs 0 under any policy (the cache answers
before routing) and still counts its baseline cost. Under the policy that served the traffic this reproduces
the logged cost (tests/test_replay_logs.py holds it to 1 %).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import complexity
from .catalog import Target
from .config import REPO_ROOT
from .policy import Policy, classifier_level
from .pricing import PriceBook
from .prompt_files import ACCEPTED_EXTENSIONS, MAX_PROMPT_CHARS  # noqa: F401  (still importable from here)
from .prompt_files import PromptFileError, display_name, read_rows
from .prompt_files import field as row_field
from .types import Complexity, Usage

SAMPLE_PROMPTS_PATH = REPO_ROOT / "data" / "sample_prompts.jsonl"
CACHE_LABEL = "(response cache)"
MAX_PROMPTS = 20_000
CHARS_PER_TOKEN = 4.0
FRAMING_TOKENS = 4
TOKEN_ESTIMATE_NOTE = ("Prompt tokens are estimated from the text (about 4 characters a token plus a few for the "
                       "chat framing; real tokenizers differ by roughly ±20 %). Answer lengths are an assumed "
                       "number of output tokens per tier. Each prompt is priced on the first candidate of its "
                       "tier as if that call succeeded: retries, fallbacks and cache hits are not modelled.")

# Assumed answer length (output tokens) per tier: a pleasantry, a short fact, a paragraph or a few
# steps, a multi-part answer or a page of code, a long specialist answer.
DEFAULT_OUTPUT_TOKENS: dict[Complexity, int] = {
    Complexity.TRIVIAL: 25,
    Complexity.SIMPLE: 80,
    Complexity.MEDIUM: 350,
    Complexity.COMPLEX: 900,
    Complexity.EXPERT: 1500,
}

LOGGED_NOTE = ("Logged traffic is priced from each request's logged token counts (input, cached input, output) "
               "and its logged tier, on the first candidate of that tier that did not fail for it at the time "
               "(its attempt trail); another model would use the same token counts, which real tokenizers and "
               "answer lengths only approximate. Cache hits cost 0 under every policy (the cache answers before "
               "routing) and count their baseline cost as saved. Failed requests are left out (nothing was billed).")


class ReplayInputError(PromptFileError):
    """A prompt set could not be read; the message says what was found and what to provide."""


# --------------------------------------------------------------------------------------------------
# Loading a prompt set
# --------------------------------------------------------------------------------------------------


def load_prompts(content: bytes | str, filename: str) -> list[str]:
    """Prompts from an uploaded CSV (a 'prompt' column) or JSONL file (one {"prompt": ...} per line).

    Blank prompts are skipped. Raises ReplayInputError naming what was found (the extension, the
    columns or keys, the line) and what to provide instead.
    """
    prompts: list[str] = []
    for where, row in read_rows(content, filename, error=ReplayInputError):
        value = row_field(row, "prompt")
        if value is None:
            continue
        if not isinstance(value, str):
            raise ReplayInputError(f"{where}: 'prompt' is a {type(value).__name__}, expected text.")
        if value.strip():
            prompts.append(value.strip())
    name = display_name(filename)
    if not prompts:
        raise ReplayInputError(f"{name} has no prompts: every 'prompt' value is empty.")
    if len(prompts) > MAX_PROMPTS:
        raise ReplayInputError(f"{name} has {len(prompts):,} prompts; a replay takes at most {MAX_PROMPTS:,}. "
                               "Upload a sample of your traffic instead.")
    return prompts


def load_sample_prompts(path: Path | None = None) -> list[str]:
    """The prompt set shipped in data/sample_prompts.jsonl."""
    path = Path(path or SAMPLE_PROMPTS_PATH)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ReplayInputError(f"the sample prompt set {path} is missing; upload a prompt set instead.") from None
    return load_prompts(content, path.name)


# --------------------------------------------------------------------------------------------------
# Classify once, project under any policy
# --------------------------------------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """A cheap prompt-token estimate (about 4 characters a token + chat framing). See TOKEN_ESTIMATE_NOTE."""
    return int(math.ceil(len(text) / CHARS_PER_TOKEN)) + FRAMING_TOKENS


@dataclass(frozen=True)
class JudgedPrompt:
    """A prompt with its tier and token counts. Estimated ones (classify_prompts) leave the logged fields at
    their defaults; logged ones (logged_prompts) carry what was measured."""

    text: str
    tier: Complexity
    score: float
    input_tokens: int
    output_tokens: int | None = None  # logged answer length; None: assume DEFAULT_OUTPUT_TOKENS of the tier
    cached_input_tokens: int = 0
    cache_hit: bool = False  # answered from the response cache: costs 0 under any policy
    failed: frozenset[str] = frozenset()  # "provider:model" candidates that failed for this request
    logged_cost_usd: float | None = None
    agent: str | None = None  # who asked (a learned policy's topic and org scope)
    org: str | None = None


@dataclass(frozen=True)
class LoggedTraffic:
    """Logged requests ready to project: what was read, how many matched (more than read: the newest kept)."""

    name: str  # e.g. "logged traffic, 2026-11-02 to 2026-12-02, org acme (real traffic (playground, api, gateway))"
    prompts: list[JudgedPrompt]
    matched: int

    @property
    def capped(self) -> bool:
        return self.matched > len(self.prompts)


def logged_prompts(rows: Iterable[Mapping[str, Any]]) -> list[JudgedPrompt]:
    """Logged requests (store.replay_rows) as judged prompts carrying their measured tier and token counts."""
    judged = []
    for row in rows:
        hit = bool(row["cached"]) or row["complexity"] == Complexity.CACHED.value
        try:
            tier = Complexity(row["complexity"])
        except ValueError:
            tier = Complexity.MEDIUM  # a tier no longer known: what the router assumes without a verdict
        failed = frozenset(f"{a.get('provider')}:{a.get('model')}" for a in row.get("attempts") or ()
                           if isinstance(a, dict) and a.get("outcome") == "error")
        tier = classifier_level(tier, row.get("reasons") or ())  # a learned policy's move is replayed afresh
        judged.append(JudgedPrompt(str(row["prompt"] or ""), Complexity.CACHED if hit else tier,
                                   float(row["score"] or 0.0), int(row["input_tokens"] or 0),
                                   int(row["output_tokens"] or 0), int(row["cached_input_tokens"] or 0), hit,
                                   failed, None if row["cost_usd"] is None else float(row["cost_usd"]),
                                   row.get("agent"), row.get("org")))
    return judged


def classify_prompts(prompts: Sequence[str], *, classify: Callable[[str], Any] = complexity.classify,
                     progress: Callable[[int, int], None] | None = None) -> list[JudgedPrompt]:
    """Judge every prompt once (no network). `progress(done, total)` is called every few prompts."""
    judged: list[JudgedPrompt] = []
    total = len(prompts)
    step = max(1, total // 50)
    for i, text in enumerate(prompts, start=1):
        verdict = classify(text)
        judged.append(JudgedPrompt(text, verdict.level, float(verdict.score), estimate_tokens(text)))
        if progress is not None and (i % step == 0 or i == total):
            progress(i, total)
    return judged


@dataclass
class Projection:
    """One policy's projected routing of a prompt set. Costs in USD; None totals mean "nothing priced"."""

    name: str
    rows: pd.DataFrame  # prompt, tier, score, target, input_tokens, output_tokens, cost_usd, baseline_cost_usd,
    #                     upgrade_cost_usd (cost above the baseline's for that prompt, else 0)
    by_tier: pd.DataFrame  # tier, prompts, share, target, output_tokens, cost_usd, baseline_cost_usd, upgrade_cost_usd
    cost_usd: float
    baseline_cost_usd: float
    baseline: str
    unpriced: int  # prompts whose target (or the baseline) has no price: left out of both totals
    unrouted: int  # prompts with no candidate at all (every candidate unavailable)
    notes: list[str] = field(default_factory=list)
    upgrade_cost_usd: float = 0.0  # what the prompts routed above the baseline's price cost beyond it
    logged_cost_usd: float | None = None  # what logged traffic actually cost (None: not logged traffic)
    quality: Any = None  # a learned policy's projected quality (learning.threshold.ThresholdProjection), else None

    @property
    def prompts(self) -> int:
        return len(self.rows)

    @property
    def saved_usd(self) -> float:
        return self.baseline_cost_usd - self.cost_usd

    @property
    def saved_pct(self) -> float | None:
        return None if self.baseline_cost_usd <= 0 else 100.0 * self.saved_usd / self.baseline_cost_usd

    def summary(self) -> dict[str, Any]:
        """The figures scripts read (the CLI's JSON line): totals, savings, upgrade cost and each tier's."""
        by_tier = {row["tier"]: {"prompts": int(row["prompts"]), "target": row["target"],
                                 "cost_usd": row["cost_usd"], "baseline_cost_usd": row["baseline_cost_usd"],
                                 "upgrade_cost_usd": row["upgrade_cost_usd"]}
                   for row in self.by_tier.to_dict("records")}
        return {"policy": self.name, "baseline": self.baseline, "n": self.prompts, "projected_cost_usd": self.cost_usd,
                "baseline_cost_usd": self.baseline_cost_usd, "saved_usd": self.saved_usd, "saved_pct": self.saved_pct,
                "upgrade_cost_usd": self.upgrade_cost_usd, "unpriced": self.unpriced, "unrouted": self.unrouted,
                "logged_cost_usd": self.logged_cost_usd, "by_tier": by_tier,
                "projected_quality": None if self.quality is None else self.quality.as_dict()}

    def tier_counts(self) -> dict[str, int]:
        """Prompts per routable tier, then CACHED when any request was a cache hit."""
        counts = {t.value: int((self.rows["tier"] == t.value).sum()) for t in Complexity.tiers()}
        hits = int((self.rows["tier"] == Complexity.CACHED.value).sum())
        return counts | ({Complexity.CACHED.value: hits} if hits else {})


def _pick(policy: Policy, level: Complexity, why_unavailable: Callable[[str], str | None] | None,
          failed: frozenset[str] = frozenset()) -> Target | None:
    """The tier's first available candidate; for a logged request, the first that did not fail for it (else the
    first one: every candidate failed then, and something still answered)."""
    targets = policy.targets(level)
    if why_unavailable is not None:
        targets = tuple(t for t in targets if why_unavailable(t.provider) is None)
    survivors = [t for t in targets if str(t) not in failed]
    return survivors[0] if survivors else (targets[0] if targets else None)


def project(judged: Sequence[JudgedPrompt], policy: Policy, prices: PriceBook, baseline: Target, *,
            name: str | None = None, output_tokens: Mapping[Complexity, int] | None = None,
            why_unavailable: Callable[[str], str | None] | None = None) -> Projection:
    """Price each judged prompt on its tier's first candidate under `policy` (the first one that
    `why_unavailable` allows, when given) and on the baseline model, with estimated usage; a logged prompt
    (logged_prompts) with its logged usage, past the candidates that failed for it, and a cache hit at 0."""
    out_tokens = dict(DEFAULT_OUTPUT_TOKENS)
    out_tokens.update({Complexity(k): int(v) for k, v in (output_tokens or {}).items()})
    picks = {t: _pick(policy, t, why_unavailable) for t in Complexity.tiers()}
    records: list[dict[str, Any]] = []
    unit_cache: dict[tuple[str, str, int, int, int], float | None] = {}

    def price(target: Target, inp: int, out: int, cached: int = 0) -> float | None:
        key = (target.provider, target.model, inp, out, cached)
        if key not in unit_cache:
            unit_cache[key] = prices.cost(target.provider, target.model, Usage(inp, out, cached))
        return unit_cache[key]

    for p in judged:
        level = Complexity.TRIVIAL if p.tier is Complexity.CACHED and not p.cache_hit else p.tier
        out = out_tokens[level] if p.output_tokens is None else p.output_tokens
        target, cost = None, None
        if p.cache_hit:
            label, cost = CACHE_LABEL, 0.0
        else:
            level = policy.learned_level(level, p.score, p.text, p.agent, p.org)[0]  # unchanged without a rule
            target = _pick(policy, level, why_unavailable, p.failed) if p.failed else picks[level]
            label = str(target) if target else "(no candidate)"
            cost = price(target, p.input_tokens, out, p.cached_input_tokens) if target is not None else None
        base = price(baseline, p.input_tokens, out, p.cached_input_tokens)
        records.append({"prompt": p.text, "tier": level.value, "score": round(p.score, 3), "target": label,
                        "input_tokens": p.input_tokens, "output_tokens": out, "cost_usd": cost,
                        "baseline_cost_usd": base, "logged_cost_usd": p.logged_cost_usd})
    rows = pd.DataFrame.from_records(records, columns=["prompt", "tier", "score", "target", "input_tokens",
                                                       "output_tokens", "cost_usd", "baseline_cost_usd",
                                                       "logged_cost_usd"])
    rows["cost_usd"] = rows["cost_usd"].astype("float64")
    rows["baseline_cost_usd"] = rows["baseline_cost_usd"].astype("float64")
    routed = rows["target"] != "(no candidate)"
    priced = routed & rows["cost_usd"].notna() & rows["baseline_cost_usd"].notna()
    total = float(rows.loc[priced, "cost_usd"].sum())
    base_total = float(rows.loc[priced, "baseline_cost_usd"].sum())
    rows["upgrade_cost_usd"] = (rows["cost_usd"] - rows["baseline_cost_usd"]).clip(lower=0).where(priced, 0.0)

    tiers = []
    n = max(1, len(rows))
    logged = any(p.output_tokens is not None for p in judged)
    hits = bool((rows["tier"] == Complexity.CACHED.value).any())
    for t in Complexity.tiers() + ([Complexity.CACHED] if hits else []):
        mask = rows["tier"] == t.value
        count = int(mask.sum())
        first = CACHE_LABEL if t is Complexity.CACHED else str(picks[t]) if picks[t] else "(no candidate)"
        answer = rows.loc[mask, "output_tokens"].mean() if logged or t is Complexity.CACHED else out_tokens[t]
        tiers.append({"tier": t.value, "prompts": count, "share": count / n, "target": first,
                      "output_tokens": 0 if pd.isna(answer) else int(round(answer)),
                      "cost_usd": float(rows.loc[mask & priced, "cost_usd"].sum()),
                      "baseline_cost_usd": float(rows.loc[mask & priced, "baseline_cost_usd"].sum()),
                      "upgrade_cost_usd": float(rows.loc[mask, "upgrade_cost_usd"].sum())})
    by_tier = pd.DataFrame(tiers)

    unpriced = int((routed & ~priced).sum())
    unrouted = int((~routed).sum())
    notes = [LOGGED_NOTE if logged else TOKEN_ESTIMATE_NOTE]
    if unpriced:
        missing = sorted(set(rows.loc[routed & rows["cost_usd"].isna(), "target"]))
        what = ", ".join(missing) if missing else f"the baseline {baseline}"
        notes.append(f"{unpriced} prompt(s) routed to an unpriced model ({what}) are left out of both totals; "
                     "add a [prices] override for it in router.toml.")
    if unrouted:
        notes.append(f"{unrouted} prompt(s) have no available candidate in their tier and are left out.")
    logged_total = float(rows.loc[priced, "logged_cost_usd"].fillna(0.0).sum()) if logged else None
    return Projection(name or policy.name, rows, by_tier, total, base_total, str(baseline), unpriced, unrouted,
                      notes, float(rows["upgrade_cost_usd"].sum()), logged_total)


def replay(prompts: Sequence[str], policy: Policy, prices: PriceBook, baseline: Target, **kwargs: Any) -> Projection:
    """classify_prompts + project, for one policy."""
    return project(classify_prompts(prompts), policy, prices, baseline, **kwargs)


def compare(projections: Sequence[Projection]) -> pd.DataFrame:
    """Side by side: one row per policy with the prompt count, tier counts, projected cost, baseline and savings."""
    rows = []
    for p in projections:
        row: dict[str, Any] = {"policy": p.name, "prompts": p.prompts}
        row.update(p.tier_counts())
        row.update({"logged_cost_usd": p.logged_cost_usd, "projected_cost_usd": p.cost_usd, "baseline_cost_usd": p.baseline_cost_usd,
                    "saved_usd": p.saved_usd, "saved_pct": p.saved_pct, "upgrade_cost_usd": p.upgrade_cost_usd,
                    "unpriced": p.unpriced})
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["load_prompts", "load_sample_prompts", "classify_prompts", "project", "replay", "compare",
           "estimate_tokens", "logged_prompts", "LoggedTraffic", "JudgedPrompt", "Projection", "ReplayInputError", "DEFAULT_OUTPUT_TOKENS",
           "TOKEN_ESTIMATE_NOTE", "LOGGED_NOTE", "CACHE_LABEL", "SAMPLE_PROMPTS_PATH", "MAX_PROMPTS"]
