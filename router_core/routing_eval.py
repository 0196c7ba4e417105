"""How good is the classifier as a router? RouteLLM's metrics on public per-prompt quality data.

For each benchmark prompt we know how a weak model (Mixtral-8x7B) and a strong model (GPT-4-1106) did.
A router orders prompts by its difficulty signal and sends the hardest share to the strong model,
the rest to the weak one. Following RouteLLM (lm-sys/RouteLLM, `routellm/evals`):

- quality(share)   mean quality when that share of prompts (the hardest by the signal) goes strong;
- PGR(share)       performance gap recovered = (quality - weak) / (strong - weak);
- APGR             area under PGR against the share of strong calls (trapezoid over 0..1);
                   random routing has expected PGR(share) = share, so APGR = 0.5;
- CPT(x%)          call-performance threshold: the smallest share of strong calls whose PGR
                   reaches x (50% and 80%), linearly interpolated.

RouteLLM samples the curve at 10 quantile thresholds; here it is computed at every possible cut
(a finer trapezoid of the same area). Prompts with the same signal are one block: a cut inside a
block takes the block's average gain (the expectation over random tie-breaking), so ties earn
no credit. The oracle sends the prompts with the largest strong-minus-weak gain first.

Data (data/benchmarks/, sources and licence in data/benchmarks/README.md): MT-Bench from `mt_bench_scores_compact.csv`
(per turn, GPT-4-judged 1-10 scores of both models; as in RouteLLM a question is routed on its first
turn and both turns go to the chosen model; questions with a contaminated turn are dropped),
GSM8K `gsm8k_responses.csv` and MMLU `mmlu_responses.csv` (per-prompt correctness), minus the
prompts in `*_contaminated_prompts.jsonl`. A file may be stored gzipped (`name.csv.gz`): it is read
transparently. Standard library only; plotly is imported lazily by
`curve_figure`.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Mapping, Sequence

from .complexity import classify
from .types import Complexity

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
BENCHMARKS = ("mt_bench", "gsm8k", "mmlu")
DEFAULT_DATA = Path(__file__).resolve().parents[1] / "data" / "benchmarks" / "routellm"


@dataclass
class Item:
    """One routable unit: its text, the signal's input, and each model's quality on it."""

    prompt: str
    weak: float
    strong: float
    meta: str = ""


@dataclass
class Curve:
    """PGR and quality at each share of strong calls (0..1), with the derived metrics."""

    shares: list[float]
    pgr: list[float]
    quality: list[float]
    apgr: float
    cpt50: float | None
    cpt80: float | None


@dataclass
class BenchmarkResult:
    name: str
    n: int
    weak_quality: float
    strong_quality: float
    router: Curve
    oracle: Curve
    random: Curve
    seconds: float = 0.0
    tier_counts: dict[str, int] = field(default_factory=dict)
    tier_first_apgr: float | None = None  # the classifier's tier-first order (tier, then score), for reference

    @property
    def apgr(self) -> float:
        return self.router.apgr

    @property
    def cpt50(self) -> float | None:
        return self.router.cpt50

    @property
    def cpt80(self) -> float | None:
        return self.router.cpt80

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "n": self.n, "weak_quality": self.weak_quality,
                "strong_quality": self.strong_quality, "apgr": self.apgr, "cpt50": self.cpt50,
                "cpt80": self.cpt80, "random_apgr": self.random.apgr, "oracle_apgr": self.oracle.apgr,
                "oracle_cpt50": self.oracle.cpt50, "oracle_cpt80": self.oracle.cpt80,
                "tier_counts": self.tier_counts, "tier_first_apgr": self.tier_first_apgr}


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------

def _trapz(xs: Sequence[float], ys: Sequence[float]) -> float:
    return sum((xs[i + 1] - xs[i]) * (ys[i + 1] + ys[i]) / 2 for i in range(len(xs) - 1))


def _cpt(shares: Sequence[float], pgr: Sequence[float], target: float) -> float | None:
    """Smallest share at which PGR first reaches `target` (linear interpolation); None if never."""
    if pgr and pgr[0] >= target:
        return shares[0]
    for i in range(1, len(pgr)):
        if pgr[i] >= target:
            a, b = pgr[i - 1], pgr[i]
            t = (target - a) / (b - a) if b != a else 0.0
            return shares[i - 1] + t * (shares[i] - shares[i - 1])
    return None


def curve_from_order(weak: Sequence[float], strong: Sequence[float], signal: Sequence[float] | None) -> Curve:
    """The cost-quality curve when prompts go strong in decreasing `signal` (None: expected random order).

    Equal signals form one block whose gain is spread evenly across it (expected value of a random
    tie-break). Returns PGR and quality at every cut k = 0..n (share k/n).
    """
    n = len(weak)
    if n == 0:
        raise ValueError("no prompts")
    weak_q = sum(weak) / n
    strong_q = sum(strong) / n
    gap = strong_q - weak_q
    gains = [s - w for w, s in zip(weak, strong)]
    if signal is None:
        blocks = [(sum(gains), n)]
    else:
        order = sorted(range(n), key=lambda i: -signal[i])
        blocks = []
        i = 0
        while i < n:
            j = i
            total = 0.0
            while j < n and signal[order[j]] == signal[order[i]]:
                total += gains[order[j]]
                j += 1
            blocks.append((total, j - i))
            i = j
    cum = [0.0]
    for total, size in blocks:
        per = total / size
        base = cum[-1]
        for t in range(1, size + 1):
            cum.append(base + per * t)
    shares = [k / n for k in range(n + 1)]
    quality = [weak_q + c / n for c in cum]
    pgr = [(q - weak_q) / gap if gap else 0.0 for q in quality]
    return Curve(shares, pgr, quality, _trapz(shares, pgr), _cpt(shares, pgr, 0.5), _cpt(shares, pgr, 0.8))


def evaluate_items(name: str, items: Sequence[Item], signal: Callable[[str], tuple[float, str]] | None = None
                   ) -> BenchmarkResult:
    """Route `items` by `signal(prompt) -> (difficulty, tier name)` (default: the classifier's difficulty, with
    its tier-first order measured beside it)."""
    t0 = time.perf_counter()
    tier_first = None if signal else [tier_signal(it.prompt)[0] for it in items]
    signal = signal or classifier_signal
    values: list[float] = []
    tiers: dict[str, int] = {}
    for it in items:
        v, tier = signal(it.prompt)
        values.append(v)
        tiers[tier] = tiers.get(tier, 0) + 1
    weak = [it.weak for it in items]
    strong = [it.strong for it in items]
    router = curve_from_order(weak, strong, values)
    oracle = curve_from_order(weak, strong, gains_signal(items))
    rnd = curve_from_order(weak, strong, None)
    n = len(items)
    return BenchmarkResult(name, n, sum(weak) / n, sum(strong) / n, router, oracle, rnd,
                           seconds=time.perf_counter() - t0, tier_counts=tiers,
                           tier_first_apgr=None if tier_first is None else curve_from_order(weak, strong, tier_first).apgr)


def gains_signal(items: Iterable[Item]) -> list[float]:
    """The oracle's signal: how much better the strong model did on each prompt."""
    return [it.strong - it.weak for it in items]


def classifier_signal(prompt: str) -> tuple[float, str]:
    """The classifier's difficulty (length, reasoning load and sub-parts across tiers), with its tier."""
    v = classify(prompt)
    return v.difficulty, v.level.value


def tier_signal(prompt: str) -> tuple[float, str]:
    """The tier-first order: tier rank, then the score within it (the score bands make this one number)."""
    v = classify(prompt)
    return v.level.rank + v.score, v.level.value


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------

def load_labelled(path: Path | str) -> list[dict[str, Any]]:
    """A labelled prompt set (JSON lines with prompt, label and optional alt), e.g. data/complexity-dev.jsonl."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled_accuracy(rows: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    """The classifier on labelled rows: the share right exactly (label or alt) and within one tier."""
    exact = within = 0
    for row in rows:
        got = classify(row["prompt"]).level.rank
        ok = {Complexity(row["label"]).rank} | ({Complexity(row["alt"]).rank} if row.get("alt") else set())
        exact += got in ok
        within += min(abs(got - k) for k in ok) <= 1
    return exact / len(rows), within / len(rows)


def data_file(path: Path) -> Path:
    """`path` itself, or its gzipped copy `path.gz` when only that exists (the repository ships large files gzipped)."""
    gzipped = path.with_name(path.name + ".gz")
    return gzipped if not path.exists() and gzipped.exists() else path


def open_text(path: Path) -> IO[str]:
    """Open a data file for reading as text, plain or gzipped (see `data_file`)."""
    found = data_file(path)
    if found.suffix == ".gz":
        return gzip.open(found, "rt", newline="", encoding="utf-8")
    return open(found, newline="", encoding="utf-8")


def _contaminated(path: Path) -> set[str]:
    out: set[str] = set()
    if data_file(path).exists():
        with open_text(path) as fh:
            for line in fh:
                if line.strip():
                    out.add(json.loads(line)["eval_prompt"])
    return out


def _truth(v: str) -> float:
    return 1.0 if str(v).strip().lower() in ("true", "1", "1.0") else 0.0


def load_mt_bench(data_dir: Path) -> list[Item]:
    """One item per MT-Bench question: routed on turn 1; quality = mean of both turns' scores."""
    csv.field_size_limit(1 << 24)
    bad = _contaminated(data_dir / "mt_bench_contaminated_prompts.jsonl")
    questions: dict[str, dict[str, Any]] = {}
    with open_text(data_dir / "mt_bench_scores_compact.csv") as fh:
        for row in csv.DictReader(fh):
            q = questions.setdefault(row["question_id"], {"turns": {}, "weak": [], "strong": [], "bad": False,
                                                           "category": row["category"]})
            q["turns"][int(row["turn"])] = row["turn_text"]
            q["weak"].append(float(row["score_mixtral-8x7b-instruct"]))
            q["strong"].append(float(row["score_gpt-4-1106-preview"]))
            if row.get("contaminated_in_routellm_train", "0").strip() in ("1", "True", "true") \
                    or row["turn_text"] in bad:
                q["bad"] = True
    items = []
    for qid, q in questions.items():
        if q["bad"]:
            continue
        items.append(Item(q["turns"][min(q["turns"])], sum(q["weak"]) / len(q["weak"]),
                          sum(q["strong"]) / len(q["strong"]), meta=f"{qid}:{q['category']}"))
    return items


def _load_correctness(path: Path, contaminated: Path, meta_col: str | None = None) -> list[Item]:
    csv.field_size_limit(1 << 24)
    bad = _contaminated(contaminated)
    items = []
    with open_text(path) as fh:
        for row in csv.DictReader(fh):
            if row["prompt"] in bad:
                continue
            items.append(Item(row["prompt"], _truth(row[WEAK]), _truth(row[STRONG]),
                              meta=row.get(meta_col, "") if meta_col else ""))
    return items


def load_gsm8k(data_dir: Path) -> list[Item]:
    return _load_correctness(data_dir / "gsm8k_responses.csv", data_dir / "gsm8k_contaminated_prompts.jsonl")


def load_mmlu(data_dir: Path) -> list[Item]:
    return _load_correctness(data_dir / "mmlu_responses.csv", data_dir / "mmlu_contaminated_prompts.jsonl",
                             meta_col="subject")


LOADERS: dict[str, Callable[[Path], list[Item]]] = {"mt_bench": load_mt_bench, "gsm8k": load_gsm8k,
                                                    "mmlu": load_mmlu}
TITLES = {"mt_bench": "MT-Bench", "gsm8k": "GSM8K", "mmlu": "MMLU"}


def evaluate(data_dir: Path | str = DEFAULT_DATA, *, benchmarks: Sequence[str] = BENCHMARKS,
             sample: int | None = None, seed: int = 0,
             signal: Callable[[str], tuple[float, str]] | None = None) -> dict[str, BenchmarkResult]:
    """Run the router over each benchmark; `sample` keeps a fixed random subset per set (quick runs)."""
    data_dir = Path(data_dir)
    out: dict[str, BenchmarkResult] = {}
    for name in benchmarks:
        items = LOADERS[name](data_dir)
        if sample and len(items) > sample:
            items = random.Random(seed).sample(items, sample)
        out[name] = evaluate_items(name, items, signal)
    return out


# --------------------------------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------------------------------

def _pct(v: float | None) -> str:
    return "  n/a" if v is None else f"{v * 100:4.0f}%"


def format_table(results: dict[str, BenchmarkResult]) -> str:
    """A plain-text table: APGR and CPTs for router / random / oracle, with ratios vs random."""
    head = (f"{'benchmark':<10} {'n':>6} {'weak':>6} {'strong':>6} | {'APGR':>5} {'rand':>5} {'orcl':>5} "
            f"{'xrand':>6} {'tiers':>5} | {'CPT50':>5} {'rand':>5} {'orcl':>5} | {'CPT80':>5} {'rand':>5} {'orcl':>5}")
    lines = [head, "-" * len(head)]
    for name, r in results.items():
        lines.append(
            f"{TITLES.get(name, name):<10} {r.n:>6} {r.weak_quality:>6.3f} {r.strong_quality:>6.3f} | "
            f"{r.apgr:>5.3f} {r.random.apgr:>5.3f} {r.oracle.apgr:>5.3f} {r.apgr / r.random.apgr:>5.2f}x "
            f"{'  n/a' if r.tier_first_apgr is None else format(r.tier_first_apgr, '>5.3f')} | "
            f"{_pct(r.cpt50):>5} {_pct(r.random.cpt50):>5} {_pct(r.oracle.cpt50):>5} | "
            f"{_pct(r.cpt80):>5} {_pct(r.random.cpt80):>5} {_pct(r.oracle.cpt80):>5}")
    return "\n".join(lines)


def _thin(xs: Sequence[float], ys: Sequence[float], points: int = 201) -> tuple[list[float], list[float]]:
    if len(xs) <= points:
        return list(xs), list(ys)
    step = (len(xs) - 1) / (points - 1)
    idx = sorted({round(i * step) for i in range(points)})
    return [xs[i] for i in idx], [ys[i] for i in idx]


def curve_figure(results: dict[str, BenchmarkResult] | BenchmarkResult):
    """Cost-quality curves (share of strong calls vs quality): router vs random vs oracle, per benchmark."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if isinstance(results, BenchmarkResult):
        results = {results.name: results}
    names = list(results)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[
        f"{TITLES.get(n, n)} (APGR {results[n].apgr:.2f})" for n in names])
    colours = {"router": "#1f77b4", "random": "#7f7f7f", "oracle": "#2ca02c"}
    for col, name in enumerate(names, start=1):
        r = results[name]
        for label, curve in (("router", r.router), ("random", r.random), ("oracle", r.oracle)):
            xs, ys = _thin([s * 100 for s in curve.shares], curve.quality)
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, legendgroup=label,
                                     showlegend=col == 1, line={"color": colours[label],
                                                                "dash": "dot" if label == "random" else None}),
                          row=1, col=col)
        for y, label in ((r.weak_quality, "weak"), (r.strong_quality, "strong")):
            fig.add_hline(y=y, line_dash="dash", line_color="#bbbbbb", row=1, col=col,
                          annotation_text=label, annotation_position="bottom right")
        fig.update_xaxes(title_text="strong-model calls (%)", row=1, col=col)
    fig.update_yaxes(title_text="quality", row=1, col=1)
    fig.update_layout(title="Cost-quality: share of strong calls vs quality", height=420,
                      margin={"t": 70, "l": 50, "r": 20, "b": 50})
    return fig


if __name__ == "__main__":  # pragma: no cover - convenience
    res = evaluate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA)
    print(format_table(res))
