"""Train the complexity classifier's ordinal model and measure how well it generalises.

    python scripts/train_complexity.py            # k-fold CV report, then fit on all data and write the weights
    python scripts/train_complexity.py --cv-only  # only the CV report
    python scripts/train_complexity.py --grid     # CV over a small hyper-parameter grid
    python scripts/train_complexity.py --data data/complexity-dev.jsonl --holdout data/complexity-extra.jsonl
                                                  # fit on dev only and score the other set (no weights written)

The training data is the union of `data/complexity-dev.jsonl` and `data/complexity-extra.jsonl` (150 + 150
prompts of the same rubric, written independently) plus the seed's five examples. Cross-validation folds are
stratified by label over the union and the CV report also gives the figure per source file, so the
generalisation to prompts the model has not seen is measured on both sets.

The model is a cumulative-logit (ordinal logistic) regression: one latent difficulty
z = w . standardise(features) + h . hashed_ngrams, and four increasing thresholds that cut z into
TRIVIAL < SIMPLE < MEDIUM < COMPLEX < EXPERT. A borderline prompt's `alt` tier also counts as right,
so the loss mixes -log P(label) with -log P(label or alt). L2 keeps the weights small (150 examples).

Training uses numpy; the classifier itself only reads the JSON this script writes
(router_core/complexity/weights.json, `complexity.WEIGHTS_PATH`) and runs on the standard library.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from router_core import complexity as cx  # noqa: E402
from router_core.types import Complexity  # noqa: E402

DATA = ROOT / "data" / "complexity-dev.jsonl"
EXTRA = ROOT / "data" / "complexity-extra.jsonl"
DEFAULT_DATA = [DATA, EXTRA]
RANK = {t.value: t.rank for t in Complexity.tiers()}

# Rubric prior: what each feature should do to the latent difficulty before seeing any data, per unit of
# the raw feature (tiers sit about 2 units apart on z). Training shrinks the weights toward this prior
# instead of toward zero, so a feature the 150 dev prompts barely exercise keeps its rubric meaning.
PRIOR = {
    "no_request": -2.0, "greet": -1.0, "thanks": -1.0, "ack": -1.0, "bye": -1.0, "praise": -1.0,
    "social_frac": -2.0, "emoji": -0.3,
    "wh_fact": -1.0, "short_question": -1.0, "yesno": -0.5, "arith": -0.5, "very_short": -0.5,
    "how_why": 1.0, "t_explain": 1.5, "t_transform": 1.5, "difference": 0.5, "deliv_small": -0.5,
    "t_create": 1.5, "create_big": 1.5, "deliv_big": 0.5, "req_len": 0.7, "req_len_small": -0.5,
    "t_analyze": 1.5, "tradeoff": 1.0, "depth": 1.0, "multi_step": 0.5, "constraints": 0.3, "n_task_kinds": 1.0,
    "t_code": 1.5, "code_ask": 2.0, "code_terms": 0.3, "has_code": 0.5, "code_algo": 1.5, "parts": 0.5,
    "t_math": 1.0, "word_problem": 2.0, "math_basic": 0.3, "math_symbols": 0.3, "n_numbers": 0.2,
    "t_expert": 3.0, "proof_ask": 2.0, "math_adv": 1.5, "sci_adv": 1.5, "research": 2.0, "sys_scale": 0.7,
    "security": 0.7, "law": 0.5, "med": 0.5, "fin": 0.5, "domain_stakes": 1.5, "judgement": 0.7, "stakes": 0.7,
    "expert_word": 1.0, "big_numbers": 0.3, "medium_cue": 1.5, "complex_cue": 2.0, "expert_cue": 3.5,
    "simple_hedge": -0.7, "len_words": 0.5, "content_words": 0.3, "paste_log": 0.2, "paste_short_ask": -0.5,
    "unit_conv": -1.5, "word_translation": -1.5, "compare_ask": 1.0, "tradeoff_compare": 1.5, "scale_design": 2.5,
    "perf_problem": 2.0, "struct_extract": 1.5, "domain_depth": 0.5, "security_review": 2.0, "clinical": 1.0,
}

DEFAULTS = {"l2": 0.1, "prior": 1.0, "l2_hash": 0.5, "hash_dim": 0, "alpha": 0.5, "steps": 3000, "lr": 0.05,
            "reasoning_blend": 0.85}


# The seed design's five routing examples (data README): the rubric's own anchors, trained on with the dev set.
SEED_EXAMPLES = [
    ("Hi", "TRIVIAL"), ("What are your hours?", "SIMPLE"), ("Can you explain how photosynthesis works?", "MEDIUM"),
    ("Write a detailed analysis comparing React and Vue.js for enterprise applications", "COMPLEX"),
    ("I need expert advice on optimizing database queries for a high-traffic application", "EXPERT"),
]


def load(path: Path | list[Path] = DATA, seeds: bool = True) -> list[dict]:
    paths = path if isinstance(path, (list, tuple)) else [path]
    rows = []
    for p in paths:
        for line in Path(p).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                r["source"] = Path(p).stem
                rows.append(r)
    if seeds:
        rows += [{"id": f"seed-{i}", "prompt": p, "label": lab, "domain": "seed", "source": "seed"}
                 for i, (p, lab) in enumerate(SEED_EXAMPLES, 1)]
    for r in rows:
        r["y"] = RANK[r["label"]]
        r["y_alt"] = RANK[r["alt"]] if r.get("alt") else r["y"]
    return rows


def featurise(rows: list[dict], hash_dim: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.zeros((len(rows), cx.NF))
    H = np.zeros((len(rows), max(hash_dim, 1)))
    for i, r in enumerate(rows):
        x, toks = cx.extract_features(r["prompt"])
        X[i] = x
        for h, v in cx.hashed_ngrams(toks, hash_dim).items():
            H[i, h] += v
    return X, H


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def fit(X: np.ndarray, H: np.ndarray, y: np.ndarray, y_alt: np.ndarray, *, l2: float, l2_hash: float,
        hash_dim: int, alpha: float, steps: int, lr: float, prior: float = 1.0, **_) -> dict:
    """Fit the ordinal model with Adam on the full batch; returns the JSON-ready model."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-6] = 1.0
    Xs = (X - mean) / scale
    n, d = Xs.shape
    w0 = prior * np.array([PRIOR.get(name, 0.0) for name in cx.FEATURES]) * scale  # prior in standardised units
    use_hash = hash_dim > 0
    params = {"w": w0.copy(), "h": np.zeros(H.shape[1]), "a": np.array([-3.0]), "b": np.full(3, 0.7)}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v2 = {k: np.zeros_like(v) for k, v in params.items()}
    lo = np.minimum(y, y_alt)
    hi = np.maximum(y, y_alt)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        w, h, a, b = params["w"], params["h"], params["a"], params["b"]
        theta = np.concatenate([a, a + np.cumsum(np.exp(b))])  # 4 increasing thresholds
        z = Xs @ w + (H @ h if use_hash else 0.0)
        # cumulative probabilities with sentinels: F[:, k] = P(y <= k-1) for k = 0..5
        ext = np.concatenate([[-np.inf], theta, [np.inf]])
        F = _sig(ext[None, :] - z[:, None])  # n x 6
        dF = F * (1 - F)  # derivative wrt (theta - z)
        grad_z = np.zeros(n)
        grad_theta = np.zeros(6)
        loss = 0.0
        for weight, upper, lower in ((alpha, y, y), (1 - alpha, hi, lo)):
            if weight == 0:
                continue
            p = F[np.arange(n), upper + 1] - F[np.arange(n), lower]
            p = np.maximum(p, 1e-12)
            loss += weight * -np.log(p).mean()
            g = -weight / (p * n)  # dL/dp
            du = dF[np.arange(n), upper + 1]
            dl = dF[np.arange(n), lower]
            grad_z += g * (-du + dl)
            np.add.at(grad_theta, upper + 1, g * du)
            np.add.at(grad_theta, lower, -g * dl)
        gt = grad_theta[1:5]
        grads = {
            "w": Xs.T @ grad_z + 2 * l2 * (w - w0),
            "h": (H.T @ grad_z + 2 * l2_hash * h) if use_hash else np.zeros_like(h),
            "a": np.array([gt.sum()]),
            "b": np.exp(b) * np.array([gt[1:].sum(), gt[2:].sum(), gt[3:].sum()]),
        }
        for k in params:
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v2[k] = b2 * v2[k] + (1 - b2) * grads[k] ** 2
            mh = m[k] / (1 - b1 ** step)
            vh = v2[k] / (1 - b2 ** step)
            params[k] = params[k] - lr * mh / (np.sqrt(vh) + eps)
    theta = np.concatenate([params["a"], params["a"] + np.cumsum(np.exp(params["b"]))])
    return {
        "version": 1,
        "features": list(cx.FEATURES),
        "weights": {n_: round(float(v), 6) for n_, v in zip(cx.FEATURES, params["w"])},
        "mean": {n_: round(float(v), 6) for n_, v in zip(cx.FEATURES, mean)},
        "scale": {n_: round(float(v), 6) for n_, v in zip(cx.FEATURES, scale)},
        "hash_weights": [round(float(v), 6) for v in params["h"]] if use_hash else [],
        "thresholds": [round(float(t), 6) for t in theta],
        "train_loss": round(float(loss), 6),
    }


def evaluate(model_json: dict, rows: list[dict]) -> dict:
    """Exact (label or alt) and within-one accuracy of the full classifier with this model."""
    model = cx.prepare_model(model_json)
    exact = within = 0
    errors = []
    for r in rows:
        v = cx.judge(r["prompt"], model)[0]
        got = v.level.rank
        ok = got in (r["y"], r["y_alt"])
        exact += ok
        within += abs(got - r["y"]) <= 1 or abs(got - r["y_alt"]) <= 1
        if not ok:
            errors.append((r["id"], r["label"], r.get("alt"), v.level.value, round(v.score, 3), r["prompt"][:90]))
    n = len(rows)
    return {"exact": exact / n, "within_one": within / n, "errors": errors}


def folds(rows: list[dict], k: int, seed: int) -> list[list[int]]:
    """Stratified by label: each fold gets its share of every tier."""
    rng = random.Random(seed)
    by: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        by.setdefault(r["y"], []).append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    j = 0
    for label in sorted(by):
        idx = by[label][:]
        rng.shuffle(idx)
        for i in idx:
            out[j % k].append(i)
            j += 1
    return out


def cross_validate(rows: list[dict], params: dict, k: int = 5, repeats: int = 3, verbose: bool = False) -> dict:
    X, H = featurise(rows, params["hash_dim"])
    y = np.array([r["y"] for r in rows])
    ya = np.array([r["y_alt"] for r in rows])
    exact, within, errors = [], [], {}
    by_source: dict[str, list[int]] = {}  # source -> [n, exact, within]
    for rep in range(repeats):
        for test in folds(rows, k, seed=rep):
            train = np.array(sorted(set(range(len(rows))) - set(test)))
            model = fit(X[train], H[train], y[train], ya[train], **params)
            model["reasoning_blend"] = params["reasoning_blend"]
            for i in test:
                res = evaluate(model, [rows[i]])
                acc = by_source.setdefault(rows[i].get("source", "data"), [0, 0, 0])
                acc[0] += 1
                acc[1] += res["exact"] == 1.0
                acc[2] += res["within_one"] == 1.0
                exact.append(res["exact"])
                within.append(res["within_one"])
                for e in res["errors"]:
                    errors[e[0]] = errors.get(e[0], 0) + 1
    n = len(rows) * repeats
    out = {"exact": sum(exact) / n, "within_one": sum(within) / n, "k": k, "repeats": repeats,
           "by_source": {src: {"n": v[0] // repeats, "exact": v[1] / v[0], "within_one": v[2] / v[0]}
                         for src, v in sorted(by_source.items())},
           "often_wrong": sorted(errors.items(), key=lambda kv: -kv[1])}
    if verbose:
        print(f"  {k}-fold x{repeats}: exact {out['exact']:.3f}  within-one {out['within_one']:.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA, help="labelled JSONL file(s) to train on")
    ap.add_argument("--holdout", type=Path, default=None,
                    help="fit on --data and report accuracy on this file; writes no weights")
    ap.add_argument("--out", type=Path, default=cx.WEIGHTS_PATH, help="where to write the weights")
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--grid", action="store_true", help="CV over a small hyper-parameter grid")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--show-errors", action="store_true")
    for key, val in DEFAULTS.items():
        ap.add_argument("--" + key.replace("_", "-"), type=type(val), default=val)
    args = ap.parse_args(argv)
    rows = load(args.data)
    params = {k: getattr(args, k) for k in DEFAULTS}
    t0 = time.time()
    if args.grid:
        for l2 in (0.01, 0.03, 0.1):
            for prior in (0.0, 1.0):
              for hash_dim, l2h in ((0, 0.0), (256, 0.3)):
                p = dict(params, l2=l2, hash_dim=hash_dim, l2_hash=l2h, prior=prior)
                res = cross_validate(rows, p, args.folds, args.repeats)
                print(f"l2={l2:<6} prior={prior} hash={hash_dim:<4} l2_hash={l2h:<4} CV exact {res['exact']:.3f} "
                      f"within-one {res['within_one']:.3f}")
        return 0
    if args.holdout:
        X, H = featurise(rows, params["hash_dim"])
        model = fit(X, H, np.array([r["y"] for r in rows]), np.array([r["y_alt"] for r in rows]), **params)
        model["reasoning_blend"] = params["reasoning_blend"]
        held = evaluate(model, load(args.holdout, seeds=False))
        print(f"fit on {', '.join(p.name for p in args.data)} ({len(rows)} prompts); held-out {args.holdout.name}: "
              f"exact {held['exact']:.3f}  within-one {held['within_one']:.3f}")
        if args.show_errors:
            for e in held["errors"]:
                print("  wrong:", e)
        return 0
    res = cross_validate(rows, params, args.folds, args.repeats)
    print(f"{len(rows)} prompts, params {params}")
    print(f"CV ({args.folds}-fold, stratified, x{args.repeats} repeats): exact {res['exact']:.3f}  "
          f"within-one {res['within_one']:.3f}")
    for src, r in res["by_source"].items():
        print(f"  {src:<18} n={r['n']:<4} exact {r['exact']:.3f}  within-one {r['within_one']:.3f}")
    if args.show_errors:
        print("most often wrong in CV:", res["often_wrong"][:25])
    if args.cv_only:
        return 0
    X, H = featurise(rows, params["hash_dim"])
    y = np.array([r["y"] for r in rows])
    ya = np.array([r["y_alt"] for r in rows])
    model = fit(X, H, y, ya, **params)
    model["params"] = params
    model["reasoning_blend"] = params["reasoning_blend"]
    model["cv"] = {"folds": args.folds, "repeats": args.repeats, "exact": round(res["exact"], 4),
                   "within_one": round(res["within_one"], 4),
                   "by_source": {src: {k_: round(v, 4) for k_, v in r.items()} for src, r in res["by_source"].items()}}
    model["data"] = [p.name for p in args.data]
    train = evaluate(model, rows)
    model["train"] = {"exact": round(train["exact"], 4), "within_one": round(train["within_one"], 4)}
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"training set: exact {train['exact']:.3f}  within-one {train['within_one']:.3f}")
    for e in train["errors"]:
        print("  wrong:", e)
    print(f"wrote {args.out} ({time.time() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
