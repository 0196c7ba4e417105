"""Scale: the dashboards and the request log on a million logged interactions, and the router's memory.

    python benchmarks/scale.py                       # 1,000,000 rows (a few minutes), 20,000 routed requests
    python benchmarks/scale.py --quick               # 20,000 rows, 2,000 requests (CI smoke run, < 1 minute)
    python benchmarks/scale.py --db /tmp/1m.db       # keep the generated database; the next run reuses it
    python benchmarks/scale.py --rows 200000 --requests 5000

1. Generate: realistic interactions over the last 90 days (tiers and providers/models from
   data/router.toml's routing table, prices from the price book, baseline costs on the configured
   baseline, per-provider latencies, cache hits, errors and fallbacks, several orgs and agents, prompts,
   conversations and answers as long as their token counts) into a SQLite file whose schema is created
   by router_core.store.Store; rows go in with sqlite3 executemany, in big transactions, oldest first, and
   interaction_summary (which Store.log_interaction keeps up to date) is then filled from them in one
   INSERT ... SELECT, as the v12 migration does.
2. Time every query the dashboards run (router_core.analytics over 90 days and the last 7 days, each
   with and without an org filter; Store.list_interactions first / deep page / search; the CSV export
   of one day) and one full AppTest render of the Savings and Logs pages against that database.
3. Size: database bytes per interaction (after a WAL checkpoint).
4. Memory: RSS of a router process (a child process; logging to SQLite, response cache on) serving
   --requests requests from benchmarks/fake_openai_server.py (another process), sampled every quarter.

Everything is one run; the table at the end puts each figure next to its target with PASS / MISS
(ERROR when something broke; the exit code is then 1).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import logging
import math
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from overhead import CONFIG as BENCH_CONFIG, free_port  # noqa: E402  (one instant provider "bench")

QUERY_TARGET_S = 1.0
PAGE_TARGET_S = 3.0
SAVINGS_90D_TARGET_S = 1.5   # issue 15: the Savings page for 90 days at 1,000,000 interactions, cold
RSS_GROWTH_TARGET_MB = 10.0  # from the first sample after warm-up to the last one
DAYS = 90
CHUNK = 25_000               # rows built and inserted per executemany
COMMIT_EVERY = 200_000       # rows per transaction

# --------------------------------------------------------------------------------------------------
# What the traffic looks like
# --------------------------------------------------------------------------------------------------
TIERS = ["TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT"]
TIER_SHARE = [0.16, 0.30, 0.30, 0.17, 0.07]
# Token counts: lognormal around these medians (input = system prompt + history + the question).
IN_MEDIAN = {"TRIVIAL": 20, "SIMPLE": 60, "MEDIUM": 250, "COMPLEX": 800, "EXPERT": 1600}
OUT_MEDIAN = {"TRIVIAL": 12, "SIMPLE": 70, "MEDIUM": 250, "COMPLEX": 500, "EXPERT": 900}
SCORE_RANGE = {"TRIVIAL": (0.0, 0.15), "SIMPLE": (0.15, 0.35), "MEDIUM": (0.35, 0.6), "COMPLEX": (0.6, 0.8),
               "EXPERT": (0.8, 1.0)}
REASONS = {
    "TRIVIAL": [["greeting"], ["very short message"], ["thanks / acknowledgement"]],
    "SIMPLE": [["short question", "short factual question"], ["short question"], ["lookup", "short question"]],
    "MEDIUM": [["asks for code"], ["asks for an explanation"], ["moderate length", "asks for a rewrite"]],
    "COMPLEX": [["asks for code", "substantial task", "asks for an explanation"], ["long context", "analysis"]],
    "EXPERT": [["asks for code", "asks for depth or detail", "substantial task"], ["proof or derivation", "long context"]],
}
POSITION_WEIGHTS = [0.72, 0.18, 0.07, 0.03]  # share of traffic served by the 1st, 2nd, ... candidate of a tier
ORGS = [("acme", 0.34), ("globex", 0.22), ("initech", 0.16), ("umbrella", 0.12), ("hooli", 0.08), (None, 0.08)]
AGENTS = [(None, 0.35), ("support", 0.25), ("coder", 0.18), ("analyst", 0.10), ("writer", 0.07), ("tutor", 0.05)]
CACHE_HIT_RATE = (0.08, 0.15)  # grows over the 90 days as the cache warms up
ERROR_RATE = 0.015             # every candidate failed
FALLBACK_RATE = 0.30           # of the rows served by a 2nd+ candidate: the 1st one failed first
MULTI_TURN = 0.3               # share of requests with earlier turns in the conversation
# Per provider kind: time to first token (ms), decode speed (tokens/s), prefill (ms per input token).
SPEED = {"llamacpp": (90, 45, 0.8), "ollama": (180, 35, 0.5), "groq": (160, 450, 0.01), "gemini": (380, 160, 0.03),
         "openai": (450, 85, 0.04), "anthropic": (650, 65, 0.05)}
REASONING_MODELS = ("gpt-oss", "terra", "astra", "opus")
FAILURES = [(503, "HTTP 503: the server is overloaded", True), (429, "HTTP 429: rate limit reached", True),
            (529, "HTTP 529: overloaded_error", True), (None, "timed out after 60 s", True),
            (500, "HTTP 500: internal server error", True)]

# Prompt openings per tier (no double quotes or backslashes: they are spliced into JSON as they are).
OPENINGS = {
    "TRIVIAL": ["Hi", "Thanks!", "hello there", "ok great", "What is 2+2?", "Good morning", "Translate 'hello' to French",
                "What's the capital of {place}?", "thank you so much", "Say hi to the team"],
    "SIMPLE": ["Where is my order #{n}?", "What are the opening hours of the {place} store?",
               "Give me a synonym for '{word}'.", "How many days until the end of the quarter?",
               "Can I change the delivery address for order {n}?", "What does {word} mean?",
               "Summarise this in one line:", "Is the {place} office open on Saturday?"],
    "MEDIUM": ["Write a Python function that {task}.", "Explain the difference between {a} and {b}.",
               "Draft a polite reply to a customer who {situation}.", "Rewrite this paragraph to be clearer:",
               "Write a SQL query that {task}.", "Give me five ideas for {topic}."],
    "COMPLEX": ["Design a database schema for {topic} and explain the trade-offs.",
                "Refactor the following code and explain every change:", "Analyse the quarterly numbers below:",
                "Compare {a} and {b} for our use case, with a recommendation:",
                "Write a test plan for the feature described below:"],
    "EXPERT": ["Prove that {claim}, step by step.", "Review this contract clause and list the legal risks:",
               "Plan the migration of {topic} to a new architecture with zero downtime:",
               "Find the concurrency bug in this code and prove the fix is correct:"],
}
FILL = {
    "place": ["Paris", "Berlin", "Lisbon", "Austin", "Osaka", "Toronto", "Nairobi", "Lyon"],
    "n": [str(4000 + i * 37) for i in range(60)],
    "word": ["ephemeral", "robust", "latency", "throughput", "idempotent", "candid", "frugal"],
    "task": ["parses a CSV file", "deduplicates customer records", "retries with exponential backoff",
             "computes a rolling average", "validates an IBAN", "groups orders by week"],
    "a": ["REST", "threads", "PostgreSQL", "Kafka", "a mutex", "TCP"],
    "b": ["GraphQL", "asyncio", "SQLite", "RabbitMQ", "a semaphore", "UDP"],
    "situation": ["received a damaged parcel", "was charged twice", "wants a refund after 40 days",
                  "cannot log in", "asks for an invoice copy"],
    "topic": ["a ride-sharing app", "an invoicing system", "a hospital scheduler", "a loyalty programme",
              "the billing service", "a multi-tenant analytics platform"],
    "claim": ["the sum of two even numbers is even", "there are infinitely many primes",
              "the algorithm terminates for every input", "the lock ordering prevents deadlock"],
}
SENTENCES = [
    "The quarterly report covers revenue, churn, hiring and the roadmap for the next two releases.",
    "Each team summarised its progress, its risks and the next steps it has agreed with the stakeholders.",
    "Finance added a forecast with three scenarios and a note on the assumptions behind each of them.",
    "The function reads the input line by line, skips blank lines and returns a list of parsed records.",
    "If the upstream service returns an error, the client waits a little longer before every new attempt.",
    "Customers in the northern region reported slower deliveries during the holiday period.",
    "We recommend keeping the old endpoint for one more release so that integrations can migrate safely.",
    "The index makes the lookup logarithmic instead of linear, at the price of slightly slower writes.",
    "Please find the corrected invoice attached; the duplicate charge has been refunded to your card.",
    "The proof proceeds by induction on the length of the list, with the empty list as the base case.",
    "Our support team answers within one business day, and urgent tickets are escalated automatically.",
    "A cache in front of the database absorbs the repeated reads and keeps the latency predictable.",
    "The migration runs in three phases: dual writes, a backfill, and finally the switch of the readers.",
    "Remember to rotate the credentials after the contractor's access ends at the end of the month.",
    "The model answered correctly in most cases but struggled with questions that needed several steps.",
    "This clause limits the liability of the supplier to the fees paid in the twelve preceding months.",
    "Use a context manager so that the file is closed even when an exception interrupts the loop.",
    "The dashboard shows spend per day, savings against the baseline, and the share of cached answers.",
    "Two of the five services still depend on the legacy queue, which is scheduled for retirement.",
    "The candidate has strong experience with distributed systems and clear written communication.",
]


def _corpus(seed: int, chars: int = 400_000) -> str:
    """Plain ASCII prose (no quotes, backslashes or newlines: it is valid JSON string content as it is)."""
    rnd = random.Random(seed)
    parts, size = [], 0
    while size < chars:
        s = rnd.choice(SENTENCES)
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """The configuration the rows are consistent with."""

    targets: list[tuple[str, str]]          # (provider, model) per target index
    kinds: list[str]                        # provider kind per target index
    in_price: list[float | None]            # USD per 1M input tokens (None = unpriced)
    out_price: list[float | None]
    cached_price: list[float | None]
    base: tuple[float, float, float]        # the baseline's input / output / cached-input prices
    baseline: tuple[str, str]
    tier_targets: dict[str, list[int]]      # tier -> candidate target indexes, in routing order
    prices: Any                             # the PriceBook (for the spot check)


def load_plan() -> Plan:
    from router_core.config import load_config
    from router_core.pricing import PriceBook
    from router_core.types import Complexity

    config = load_config(ROOT / "data" / "router.toml", {"ROUTER_DOTENV": "", "DATABASE_URL": "sqlite://"})
    prices = PriceBook(config.price_overrides, config.providers)
    targets = [(t.provider, t.model) for t in config.all_targets()]
    index = {t: i for i, t in enumerate(targets)}
    units = [prices.unit_prices(p, m) for p, m in targets]
    b = prices.unit_prices(config.baseline.provider, config.baseline.model)
    assert b is not None, "the baseline model has no price"
    tier_targets = {}
    for tier in TIERS:
        cands = config.routing.tiers[Complexity(tier)]
        tier_targets[tier] = [index[(t.provider, t.model)] for t in cands]
    return Plan(targets, [config.providers[p].kind for p, _ in targets],
                [u.input_per_mtok if u else None for u in units], [u.output_per_mtok if u else None for u in units],
                [u.cached_input_per_mtok if u else None for u in units],
                (b.input_per_mtok, b.output_per_mtok, b.cached_input_per_mtok),
                (config.baseline.provider, config.baseline.model), tier_targets, prices)


# The order RowMaker.rows builds its tuples in (checked against the real table).
ROW_COLUMNS = ["ts", "org", "agent", "session_id", "prompt", "messages_json", "response", "complexity", "score",
               "reasons", "provider", "model", "input_tokens", "output_tokens", "cached_input_tokens",
               "reasoning_tokens", "cost_usd", "baseline_cost_usd", "latency_ms", "ttft_ms", "cached", "status",
               "error", "attempts", "feedback", "simulated", "source", "agent_version"]


def insert_sql() -> tuple[str, list[str]]:
    from router_core.store import LOG_COLUMNS

    cols = [c for c in LOG_COLUMNS if c != "id"]
    assert cols == ROW_COLUMNS, f"interaction_logs changed ({cols}): update RowMaker.rows"
    return f"INSERT INTO interaction_logs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", cols


def attempt_writer() -> tuple[str, Callable[..., list[tuple]]] | None:
    """INSERT and row builder for `attempt_logs` (one row per provider attempt, written by Store.log_interaction
    with each interaction), or None when this schema has no such table. The rows come from the store's own
    `attempt_rows`, so they are what the router would have written for the same trail."""
    from router_core import store

    table, to_rows = getattr(store, "T_ATTEMPT", None), getattr(store, "attempt_rows", None)
    if table is None or to_rows is None:
        return None
    cols = [c.name for c in table.columns if c.name != "id"]
    i = {name: ROW_COLUMNS.index(name) for name in ("ts", "provider", "model", "status", "latency_ms", "cached")}
    scoped = {"org", "agent"} <= set(cols)  # schema v4: attempts carry their interaction's org and agent

    def build(first_id: int, batch: list[tuple], trails: list[list[dict[str, Any]]]) -> list[tuple]:
        out = []
        for j, (row, trail) in enumerate(zip(batch, trails)):
            scope = {"org": row[ROW_COLUMNS.index("org")], "agent": row[ROW_COLUMNS.index("agent")]} if scoped else {}
            for a in to_rows(trail, provider=row[i["provider"]], model=row[i["model"]], status=row[i["status"]],
                             latency_ms=row[i["latency_ms"]], cached=row[i["cached"]], **scope):
                a["interaction_id"], a["ts"] = first_id + j, row[i["ts"]]
                out.append(tuple(a[c] for c in cols))
        return out

    return f"INSERT INTO attempt_logs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", build


def _weighted(rng: Any, options: list[tuple[Any, float]], n: int) -> Any:
    import numpy as np

    w = np.array([p for _, p in options], dtype=float)
    return rng.choice(len(options), size=n, p=w / w.sum())


def build_arrays(n: int, plan: Plan, end: datetime, seed: int) -> dict[str, Any]:
    """Every per-row number for n rows, oldest first (numpy, vectorised)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    hours = DAYS * 24
    start = end - timedelta(hours=hours)
    # traffic: weekdays busier than weekends, a working-day curve, 40 % growth over the period
    h = np.arange(hours)
    dt = [start + timedelta(hours=int(i)) for i in h]
    weekday = np.array([0.45 if d.weekday() >= 5 else 1.0 for d in dt])
    hod = np.array([d.hour for d in dt])
    diurnal = 0.25 + np.exp(-((hod - 14) / 4.5) ** 2)
    weight = weekday * diurnal * (1 + 0.4 * h / hours)
    hour_of_row = np.sort(rng.choice(hours, size=n, p=weight / weight.sum()))
    offset_us = hour_of_row.astype("int64") * 3_600_000_000 + rng.integers(0, 3_600_000_000, size=n)
    offset_us.sort()
    base_us = np.datetime64(start.replace(tzinfo=None), "us")
    ts = np.datetime_as_string(base_us + offset_us.astype("timedelta64[us]"), unit="us")
    position = hour_of_row / hours  # 0..1 through the period

    tier = rng.choice(len(TIERS), size=n, p=TIER_SHARE)
    target = np.zeros(n, dtype=np.int64)
    cand_pos = np.zeros(n, dtype=np.int64)
    for t, name in enumerate(TIERS):
        rows = np.nonzero(tier == t)[0]
        cands = plan.tier_targets[name]
        w = np.array([POSITION_WEIGHTS[min(i, len(POSITION_WEIGHTS) - 1)] / 2 ** max(0, i - len(POSITION_WEIGHTS) + 1)
                      for i in range(len(cands))])  # a tier may list more candidates: each further one half as often
        pos = rng.choice(len(cands), size=rows.size, p=w / w.sum())
        cand_pos[rows] = pos
        target[rows] = np.array(cands)[pos]
    in_med = np.array([IN_MEDIAN[t] for t in TIERS])[tier]
    out_med = np.array([OUT_MEDIAN[t] for t in TIERS])[tier]
    inp = np.maximum(3, np.rint(in_med * rng.lognormal(0, 0.8, n))).astype(np.int64)
    out = np.maximum(1, np.rint(out_med * rng.lognormal(0, 0.7, n))).astype(np.int64)
    out = np.minimum(out, 8192)
    is_reasoning = np.array([any(k in m for k in REASONING_MODELS) for _, m in plan.targets])[target]
    reasoning = np.where(is_reasoning & (tier >= 3), np.rint(out * rng.uniform(0.3, 0.6, n)), 0).astype(np.int64)
    prompt_cached = (inp > 1024) & (rng.random(n) < 0.4)
    cached_in = np.where(prompt_cached, np.rint(inp * rng.uniform(0.5, 0.9, n)), 0).astype(np.int64)

    def price(values: list[float | None]) -> Any:
        return np.array([np.nan if v is None else v for v in values])[target]

    ip, op, cp = price(plan.in_price), price(plan.out_price), price(plan.cached_price)
    cost = ((inp - cached_in) * ip + cached_in * cp + out * op) / 1e6
    bi, bo, bc = plan.base
    baseline = ((inp - cached_in) * bi + cached_in * bc + out * bo) / 1e6

    speed = np.array([SPEED.get(k, (350, 100, 0.05)) for k in plan.kinds])[target]
    ttft = speed[:, 0] * rng.lognormal(0, 0.35, n) + inp * speed[:, 2]
    latency = ttft + out / speed[:, 1] * 1000 * rng.lognormal(0, 0.2, n)

    cache_p = CACHE_HIT_RATE[0] + (CACHE_HIT_RATE[1] - CACHE_HIT_RATE[0]) * position
    cached = rng.random(n) < cache_p
    error = ~cached & (rng.random(n) < ERROR_RATE)
    fallback = ~cached & ~error & (cand_pos > 0) & (rng.random(n) < FALLBACK_RATE)
    hit_ms = rng.uniform(0.4, 3.0, n)
    score_lo = np.array([SCORE_RANGE[t][0] for t in TIERS])[tier]
    score_hi = np.array([SCORE_RANGE[t][1] for t in TIERS])[tier]
    return {
        "ts": ts, "tier": tier, "target": target, "cand_pos": cand_pos, "inp": inp, "out": out,
        "reasoning": reasoning, "cached_in": cached_in, "cost": cost, "baseline": baseline,
        "latency": np.where(cached, hit_ms, latency), "ttft": np.where(cached, hit_ms, ttft),
        "cached": cached, "error": error, "fallback": fallback,
        "score": rng.uniform(score_lo, score_hi), "org": _weighted(rng, ORGS, n), "agent": _weighted(rng, AGENTS, n),
        "session": rng.integers(0, max(1, n // 4), size=n), "has_session": rng.random(n) < 0.7,
        "multi": rng.random(n) < MULTI_TURN, "feedback": rng.choice([0, 1, -1], size=n, p=[0.96, 0.03, 0.01]),
        "text_at": rng.integers(0, 300_000, size=(n, 3)), "pick": rng.integers(0, 1 << 30, size=(n, 4)),
        "fail_ms": rng.uniform(150, 900, size=(n, 3)),
    }


class RowMaker:
    """Turns the arrays into INSERT tuples (strings spliced from pre-escaped pieces, no per-row json.dumps)."""

    def __init__(self, plan: Plan, seed: int) -> None:
        from router_core.store import DEFAULT_AGENTS

        self.plan = plan
        self.corpus = _corpus(seed)
        rnd = random.Random(seed)
        self.openings = {}
        for tier, items in OPENINGS.items():
            pool = []
            for _ in range(400):
                text = rnd.choice(items)
                for key, values in FILL.items():
                    text = text.replace("{" + key + "}", rnd.choice(values), 1)
                pool.append(text)
            self.openings[tier] = pool
        systems = {a["code"]: a["system_prompt"] for a in DEFAULT_AGENTS}
        self.system_json = {code: json.dumps(text) for code, text in systems.items()}
        self.system_chars = {code: len(text) for code, text in systems.items()}
        self.orgs = [o for o, _ in ORGS]
        self.agents = [a for a, _ in AGENTS]
        self.reasons = {t: [json.dumps(r, separators=(",", ":")) for r in REASONS[t]] for t in TIERS}
        self.cache_reasons = [json.dumps([f"served from cache (hit {k})"], separators=(",", ":")) for k in range(1, 40)]
        self.sessions: dict[int, str] = {}
        self.rnd = rnd

    def _text(self, at: int, chars: int) -> str:
        chars = max(0, min(int(chars), 60_000))
        start = at % (len(self.corpus) - chars - 1) if chars < len(self.corpus) - 1 else 0
        return self.corpus[start:start + chars]

    def _session(self, k: int) -> str:
        s = self.sessions.get(k)
        if s is None:
            s = self.sessions[k] = f"{self.rnd.getrandbits(128):032x}"
        return s

    @staticmethod
    def _attempt(provider: str, model: str, outcome: str, error: str | None, status: int | None, ms: float,
                 retryable: bool | None) -> dict[str, Any]:
        return {"provider": provider, "model": model, "outcome": outcome, "error": error, "status": status,
                "latency_ms": round(ms, 1), "retryable": retryable}

    def rows(self, a: dict[str, Any], lo: int, hi: int) -> tuple[list[tuple], list[list[dict[str, Any]]]]:
        """The interaction_logs tuples (ROW_COLUMNS order) and each row's attempt trail."""
        plan = self.plan
        out: list[tuple] = []
        trails: list[list[dict[str, Any]]] = []
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        cols = {k: v[lo:hi].tolist() for k, v in a.items()}
        ts = cols["ts"]
        for j in range(hi - lo):
            tier = TIERS[cols["tier"][j]]
            t = cols["target"][j]
            provider, model = plan.targets[t]
            inp, outp = cols["inp"][j], cols["out"][j]
            org = self.orgs[cols["org"][j]]
            agent = self.agents[cols["agent"][j]]
            pick = cols["pick"][j]
            at = cols["text_at"][j]
            cached, error = cols["cached"][j], cols["error"][j]
            # the conversation: system prompt (agent), maybe earlier turns, then the question
            total = inp * 4 - (self.system_chars[agent] if agent else 0)
            opening = self.openings[tier][pick[0] % 400]
            multi = cols["multi"][j] and total > 400
            prompt_chars = total * 0.35 if multi else total
            prompt = opening if prompt_chars < len(opening) + 40 else \
                opening + " " + self._text(at[0], prompt_chars - len(opening) - 1)
            parts = []
            if agent:
                parts.append('{"role": "system", "content": ' + self.system_json[agent] + "}")
            if multi:
                hist = total - len(prompt)
                parts.append('{"role": "user", "content": "' + self._text(at[1], hist * 0.3) + '"}')
                parts.append('{"role": "assistant", "content": "' + self._text(at[2], hist * 0.7) + '"}')
            parts.append('{"role": "user", "content": "' + prompt + '"}')
            messages = "[" + ", ".join(parts) + "]"
            cost = cols["cost"][j]
            cost = None if cost != cost else cost  # NaN: unpriced model
            base = cols["baseline"][j]
            latency = cols["latency"][j]
            if error:
                cands = plan.tier_targets[tier]
                attempts, lines, ms = [], [], 0.0
                for k, ci in enumerate(cands[:3]):
                    status, message, retryable = FAILURES[(pick[1] + k) % len(FAILURES)]
                    took = 60_000.0 if status is None else cols["fail_ms"][j][k]
                    ms += took
                    p, m = plan.targets[ci]
                    attempts.append(self._attempt(p, m, "error", message, status, took, retryable))
                    lines.append(f"{p}:{m} → {message}")
                msg = "Every provider failed. " + "; ".join(lines)
                out.append((ts[j].replace("T", " "), org, agent,
                            self._session(cols["session"][j]) if cols["has_session"][j] else None,
                            prompt, messages, None, tier, round(cols["score"][j], 6),
                            self.reasons[tier][pick[2] % len(self.reasons[tier])], None, None, 0, 0, 0, 0, 0.0,
                            None, round(ms, 3), None, 0, "error", msg, dumps(attempts), 0, 0, "gateway", None))
                trails.append(attempts)
                continue
            response = self._text(at[2] + 7, (outp - cols["reasoning"][j]) * 4)
            if cached:
                complexity, score, reasons, attempts = "CACHED", 0.0, self.cache_reasons[pick[2] % 39], []
                cost = 0.0
            else:
                complexity, score = tier, round(cols["score"][j], 6)
                reasons = self.reasons[tier][pick[2] % len(self.reasons[tier])]
                ok = self._attempt(provider, model, "ok", None, None, latency, None)
                if cols["fallback"][j]:
                    first = plan.targets[plan.tier_targets[tier][0]]
                    status, message, retryable = FAILURES[pick[1] % len(FAILURES)]
                    fail = self._attempt(first[0], first[1], "error", message, status,
                                         60_000.0 if status is None else cols["fail_ms"][j][0], retryable)
                    attempts = [fail, ok]
                    latency += 60_000.0 if status is None else cols["fail_ms"][j][0]
                else:
                    attempts = [ok]
            out.append((ts[j].replace("T", " "), org, agent,
                        self._session(cols["session"][j]) if cols["has_session"][j] else None,
                        prompt, messages, response, complexity, score, reasons, provider, model, inp, outp,
                        cols["cached_in"][j], cols["reasoning"][j], cost, base, round(latency, 3),
                        round(cols["ttft"][j], 3), int(cached), "ok", None, dumps(attempts), cols["feedback"][j], 0,
                        "gateway", None))
            trails.append(attempts)
        return out, trails


def count_rows(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM interaction_logs").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def generate(path: Path, rows: int, seed: int = 7) -> float:
    """Create the schema through Store, then bulk-insert `rows` rows; returns seconds taken."""
    from router_core.store import Store

    t0 = time.perf_counter()
    Store(f"sqlite:///{path}").close()  # the real schema (tables, covering indexes, WAL)
    plan = load_plan()
    end = datetime.now(timezone.utc).replace(microsecond=0)
    print(f"generating {rows:,} interactions over {DAYS} days into {path} ...", flush=True)
    arrays = build_arrays(rows, plan, end, seed)
    maker = RowMaker(plan, seed)
    sql, cols = insert_sql()
    attempts = attempt_writer()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")      # generation only: the benchmark does not measure writes here
    con.execute("PRAGMA cache_size=-600000")   # 600 MB: keeps the random-order latency indexes in memory
    con.execute("PRAGMA temp_store=MEMORY")
    done, last = 0, time.perf_counter()
    try:
        con.execute("BEGIN")
        while done < rows:
            hi = min(rows, done + CHUNK)
            batch, trails = maker.rows(arrays, done, hi)
            if done == 0:  # the spliced JSON must parse
                for r in batch[:200]:
                    json.loads(r[cols.index("messages_json")])
                    json.loads(r[cols.index("attempts")])
            before = con.execute("SELECT coalesce(max(id), 0) FROM interaction_logs").fetchone()[0]
            con.executemany(sql, batch)
            if attempts is not None:  # ids are consecutive: one writer, a table that only grows
                assert con.execute("SELECT max(id) FROM interaction_logs").fetchone()[0] == before + len(batch)
                con.executemany(attempts[0], attempts[1](before + 1, batch, trails))
            done = hi
            if done % COMMIT_EVERY == 0 or done == rows:
                con.execute("COMMIT")
                if done < rows:
                    con.execute("BEGIN")
            now = time.perf_counter()
            if now - last > 5 or done == rows:
                took = now - t0
                print(f"  {done:>10,} / {rows:,} rows ({done / rows:4.0%})  {took:6.1f} s  "
                      f"{done / took:,.0f} rows/s", flush=True)
                last = now
    finally:
        if con.in_transaction:
            con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    fill_summary(path)
    spot_check_prices(path, plan)
    return time.perf_counter() - t0


def fill_summary(path: Path) -> None:
    """interaction_summary from the bulk-loaded rows (they bypassed Store.log_interaction, which keeps it)."""
    from router_core.store import Store
    from router_core.store import summary

    store = Store(f"sqlite:///{path}")
    try:
        t0 = time.perf_counter()
        with store.engine.begin() as conn:
            n = summary.rebuild(conn)
        print(f"  interaction_summary: {n:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        store.close()


def spot_check_prices(path: Path, plan: Plan, n: int = 300) -> None:
    """The generated costs must be what the price book charges for the same usage."""
    from router_core.types import Usage

    con = sqlite3.connect(path)
    rows = con.execute("SELECT provider, model, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, "
                       "cost_usd, baseline_cost_usd FROM interaction_logs WHERE status = 'ok' AND cached = 0 "
                       "ORDER BY random() LIMIT ?", (n,)).fetchall()
    con.close()
    for p, m, i, o, c, r, cost, base in rows:
        usage = Usage(i, o, cached_input_tokens=c, reasoning_tokens=r)
        want, want_base = plan.prices.cost(p, m, usage), plan.prices.cost(*plan.baseline, usage)
        assert (want is None) == (cost is None), (p, m, cost, want)
        assert want is None or math.isclose(cost, want, rel_tol=1e-6, abs_tol=1e-12), (p, m, usage, cost, want)
        assert math.isclose(base, want_base, rel_tol=1e-6, abs_tol=1e-12), (p, m, usage, base, want_base)


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------
@dataclass
class Figure:
    section: str
    label: str
    value: str
    target: str
    verdict: str  # PASS MISS ERROR info


FIGURES: list[Figure] = []


def add(section: str, label: str, value: str, target: str, verdict: str) -> None:
    FIGURES.append(Figure(section, label, value, target, verdict))
    print(f"  {label:<74} {value:>12}  {target:<12} {verdict}", flush=True)


def timed(section: str, label: str, fn: Callable[[], Any], target_s: float = QUERY_TARGET_S,
          detail: Callable[[Any], str] | None = None) -> Any:
    try:
        t0 = time.perf_counter()
        result = fn()
        took = time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - reported as ERROR, the run goes on
        add(section, label, f"{type(exc).__name__}", f"≤ {target_s:g} s", "ERROR")
        print(f"    {type(exc).__name__}: {exc}", flush=True)
        return None
    extra = f" ({detail(result)})" if detail else ""
    add(section, label + extra, f"{took:.3f} s", f"≤ {target_s:g} s", "PASS" if took <= target_s else "MISS")
    return result


def time_queries(db_url: str, rows: int) -> None:
    from router_core import analytics
    from router_core.store import Store

    store = Store(db_url)
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        last = conn.execute(sa.text("SELECT max(ts) FROM interaction_logs")).scalar()
        orgs = conn.execute(sa.text("SELECT org FROM interaction_logs INDEXED BY ix_interaction_logs_org_ts "
                                    "WHERE org IS NOT NULL GROUP BY org ORDER BY count(*) DESC")).scalars().all()
    anchor = datetime.fromisoformat(str(last)).replace(tzinfo=timezone.utc) + timedelta(microseconds=1)
    age = datetime.now(timezone.utc) - anchor
    if age > timedelta(days=1):
        print(f"  note: the data ends {age.days} day(s) ago; queries use windows ending at the last row "
              f"({anchor:%Y-%m-%d %H:%M}), the page renders use today's calendar", flush=True)
    org = orgs[0] if orgs else None  # the biggest org: the slowest filtered case
    print(f"\nqueries on {rows:,} rows (one run each; org filter = {org!r}, the biggest org)", flush=True)
    # every public aggregate: windowed ones (since/until, and org where they take it) per window and org, the
    # others once
    windowed, whole = [], []
    for name in analytics.__all__:
        fn = getattr(analytics, name)
        if not callable(fn):
            continue
        params = inspect.signature(fn).parameters
        if {"since", "until"} <= set(params):
            extra = {"bucket": "day"} if "bucket" in params else {}  # what the pages ask for beyond 3 days
            windowed.append((name + (" (day)" if extra else ""), fn, extra, "org" in params))
        else:
            whole.append((name, fn))
    for _, fn, extra, _ in windowed:  # open the pool's connection and compile the statements: a one-time cost
        fn(store, since=anchor - timedelta(days=400), until=anchor - timedelta(days=399), **extra)
    for days in (DAYS, 7):
        for who in (None, org):
            for name, fn, extra, by_org in windowed:
                if who is not None and not by_org:
                    continue
                kw = dict(since=anchor - timedelta(days=days), until=anchor, **({"org": who} if by_org else {}))
                label = f"{name} · {days} d · {'org ' + who if who else 'all orgs'}"
                timed("analytics", label, lambda fn=fn, kw=kw, extra=extra: fn(store, **kw, **extra))
    for name, fn in whole:
        timed("analytics", f"{name} · whole log", lambda fn=fn: fn(store))

    page = 50
    deep = min(500_000, (rows // 2) // page * page)
    lst = store.list_interactions
    total = lambda r: f"{r[1]:,} rows"  # noqa: E731
    timed("request log", "list_interactions first page · all time", lambda: lst(limit=page), detail=total)
    timed("request log", "list_interactions first page · 7 d (Logs default)",
          lambda: lst(since=anchor - timedelta(days=7), limit=page), detail=total)
    timed("request log", f"list_interactions deep page · offset {deep:,}", lambda: lst(offset=deep, limit=page),
          detail=total)
    timed("request log", f"list_interactions first page · org {org} · provider openai",
          lambda: lst(org=org, provider="openai", limit=page), detail=total)
    timed("request log", "list_interactions search 'refund' · 7 d",
          lambda: lst(since=anchor - timedelta(days=7), search="refund", limit=page), detail=total)
    day_end = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    day = (day_end - timedelta(days=1), day_end)
    csv_text = timed("request log", f"CSV export of one day ({day[0]:%Y-%m-%d})",
                     lambda: store.export_interactions_csv(since=day[0], until=day[1]),
                     detail=lambda s: f"{s.count(chr(10)) - 1:,} rows, {len(s) / 1e6:.0f} MB")
    del csv_text
    store.close()


def render_pages(db_url: str) -> None:
    """One full AppTest render of Savings and of Logs (after one untimed run that starts the app)."""
    import pytest

    sys.path.insert(0, str(ROOT / "tests"))
    from appkit import APP, _no_v1_pages_folder, clear_streamlit_caches, write_config
    from streamlit.testing.v1 import AppTest

    def quiet() -> None:  # the "no runtime" chatter of bare-mode Streamlit (AppTest may reset the levels)
        for name in ("streamlit.runtime.caching.cache_data_api",
                     "streamlit.runtime.scriptrunner_utils.script_run_context"):
            logging.getLogger(name).setLevel(logging.ERROR)

    quiet()
    print("\npage renders (AppTest: app.py + the page, cold Streamlit caches)", flush=True)
    mp = pytest.MonkeyPatch()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            config = write_config(Path(tmp))
            for name, value in {"ROUTER_CONFIG": str(config), "DATABASE_URL": db_url, "ROUTER_DEMO": "1",
                                "ROUTER_DOTENV": str(Path(tmp) / "no.env")}.items():
                mp.setenv(name, value)
            mp.chdir(ROOT)
            _no_v1_pages_folder(mp)
            clear_streamlit_caches()
            at = AppTest.from_file(str(APP), default_timeout=300)

            def run(label: str, step: Callable[[], Any], check: Callable[[Any], str | None],
                    target: float | None = PAGE_TARGET_S) -> None:
                try:
                    t0 = time.perf_counter()
                    step()
                    took = time.perf_counter() - t0
                except Exception as exc:  # noqa: BLE001
                    add("pages", label, type(exc).__name__, f"≤ {target:g} s" if target else "–", "ERROR")
                    print(f"    {type(exc).__name__}: {exc}", flush=True)
                    return
                problem = "; ".join(str(e.value)[:300] for e in at.exception) or check(at)
                if problem:
                    add("pages", label, f"{took:.2f} s", f"≤ {target:g} s" if target else "–", "ERROR")
                    print(f"    {problem}", flush=True)
                elif target is None:
                    add("pages", label, f"{took:.2f} s", "(no target)", "info")
                else:
                    add("pages", label, f"{took:.2f} s", f"≤ {target:g} s", "PASS" if took <= target else "MISS")

            def needs(kind: str, what: str) -> Callable[[Any], str | None]:
                return lambda at: None if len(getattr(at, kind)) else f"no {what} on the page"

            run("app start: Router + Playground (untimed warm-up)", at.run, lambda at: None, target=None)
            run("Savings page · Last 30 days (default)", lambda: at.switch_page("pages/savings.py").run(),
                needs("metric", "KPI tiles"))
            run("Savings page · Last 90 days", lambda: at.selectbox(key="sv_period").set_value("Last 90 days").run(),
                needs("metric", "KPI tiles"), target=SAVINGS_90D_TARGET_S)
            run("Logs page · Last 7 days (default)", lambda: at.switch_page("pages/logs.py").run(),
                needs("dataframe", "table"))
            run("Logs page · All time", lambda: at.selectbox(key="lg_period").set_value("All time").run(),
                needs("dataframe", "table"))
        finally:
            quiet()
            clear_streamlit_caches()
            mp.undo()


def database_size(path: Path, rows: int) -> None:
    """File size per interaction after a WAL checkpoint, and where it goes (SQLite's dbstat, when built in)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    text = con.execute("SELECT avg(length(prompt) + length(messages_json) + coalesce(length(response), 0) + "
                       "length(reasons) + length(attempts) + coalesce(length(error), 0)) FROM "
                       "(SELECT * FROM interaction_logs LIMIT 20000)").fetchone()[0] or 0
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    try:
        objects = con.execute("SELECT s.name, m.type, m.tbl_name, sum(s.pgsize) FROM dbstat s "
                              "JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name").fetchall()
    except sqlite3.Error:  # an SQLite without the dbstat table
        objects = []
    con.close()
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    print(f"\ndatabase: {size / 1e9:.2f} GB for {rows:,} rows (page size {page_size})", flush=True)
    add("size", "database bytes per interaction (WAL checkpointed)", f"{size / rows:,.0f} B", "(no target)", "info")
    add("size", "  text per interaction (prompt, messages, answer, JSON columns)", f"{text:,.0f} B", "(no target)",
        "info")
    groups: dict[str, list[int]] = {}
    for name, kind, table, used in objects:
        if table in ("interaction_logs", "attempt_logs"):
            key = f"{table} {'rows' if kind == 'table' else 'indexes'}"
            groups.setdefault(key, [0, 0])
            groups[key][0] += used
            groups[key][1] += 1
    for key, (used, n) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        what = f"{key} ({n})" if key.endswith("indexes") else key
        add("size", f"  {what} per interaction", f"{used / rows:,.0f} B", "(no target)", "info")


# --------------------------------------------------------------------------------------------------
# Router memory (child process)
# --------------------------------------------------------------------------------------------------
def rss_kb() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # peak, where /proc is missing


def rss_child(url: str, tmp: str, requests: int, concurrency: int = 8) -> None:
    """Serve `requests` requests through a Router (SQLite log + response cache) and print RSS samples."""
    from router_core import Message
    from router_core.config import load_config
    from router_core.router import Router

    path = Path(tmp) / "router.toml"
    path.write_text(BENCH_CONFIG.format(url=url))
    config = load_config(path, {"DATABASE_URL": f"sqlite:///{tmp}/router.db", "ROUTER_DOTENV": ""})
    router = Router(config)
    marks = sorted({requests * k // 4 for k in range(1, 5)})
    topics = ["the invoice", "my order", "the refund", "a password reset", "the API limits", "our contract"]

    async def main() -> None:
        print(f"RSS 0 {rss_kb()} {sys.getallocatedblocks()}", flush=True)
        sem = asyncio.Semaphore(concurrency)
        t0 = time.perf_counter()

        async def one(i: int) -> None:
            async with sem:
                # one in ten repeats an earlier question (a cache hit); the others are new
                k = i - (i % 97) if i % 10 == 0 else i
                await router.acomplete([Message("user", f"Request {k}: a question about {topics[k % 6]}?")],
                                       org=("acme", "globex", None)[k % 3])

        done = 0
        for mark in marks:
            await asyncio.gather(*(one(i) for i in range(done, mark)))
            done = mark
            print(f"RSS {done} {rss_kb()} {sys.getallocatedblocks()} {time.perf_counter() - t0:.2f}", flush=True)
        await router.aclose()

    asyncio.run(main())
    left = router.flush_unlogged()
    router.close()
    db = Path(tmp) / "router.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    logged = con.execute("SELECT count(*) FROM interaction_logs").fetchone()[0]
    cached = con.execute("SELECT count(*) FROM response_cache").fetchone()[0]
    con.close()
    print(f"DB {logged} {cached} {db.stat().st_size} {left}", flush=True)


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "fake_openai_server.py"), str(port)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready", "the fake server did not start"
    return server, f"http://127.0.0.1:{port}"


def router_memory(requests: int) -> None:
    print(f"\nrouter memory: {requests:,} requests (a Router in its own process, SQLite log + cache, "
          f"8 in flight, instant local server in another process)", flush=True)
    server, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"ROUTER_DOTENV": ""}
            child = subprocess.run([sys.executable, __file__, "--rss-child", url, tmp, str(requests)], cwd=ROOT,
                                   env=env, capture_output=True, text=True, timeout=1800)
    finally:
        server.terminate()
        server.wait(5)
    samples, db = [], None
    for line in child.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["RSS"]:
            samples.append((int(parts[1]), int(parts[2]) / 1024, int(parts[3]), float(parts[4]) if len(parts) > 4 else 0))
        elif parts[:1] == ["DB"]:
            db = [int(p) for p in parts[1:]]
    if child.returncode != 0 or len(samples) < 3 or db is None:
        add("memory", "router RSS over requests", "failed", f"≤ {RSS_GROWTH_TARGET_MB:g} MB", "ERROR")
        print(child.stdout[-2000:], child.stderr[-4000:], flush=True)
        return
    for n, mb, blocks, secs in samples:
        rate = f", {n / secs:,.0f} req/s" if secs else ""
        add("memory", f"router RSS after {n:>6,} requests (Python blocks {blocks:,}{rate})", f"{mb:.1f} MB",
            "(no target)", "info")
    first, warm, final = samples[0], samples[1], samples[-1]
    growth = final[1] - warm[1]
    add("memory", f"RSS growth {warm[0]:,} → {final[0]:,} requests", f"{growth:+.1f} MB",
        f"≤ {RSS_GROWTH_TARGET_MB:g} MB", "PASS" if growth <= RSS_GROWTH_TARGET_MB else "MISS")
    add("memory", f"RSS growth 0 → {final[0]:,} requests (incl. warm-up)", f"{final[1] - first[1]:+.1f} MB",
        "(no target)", "info")
    add("memory", f"Python allocated blocks {warm[0]:,} → {final[0]:,}", f"{final[2] - warm[2]:+,}", "(no target)",
        "info")
    logged, cached, size, left = db
    add("memory", f"router DB bytes per interaction ({logged:,} logged, {cached:,} cache rows)",
        f"{size / max(1, logged):,.0f} B", "(no target)", "info")
    if logged != final[0] or left:
        add("memory", "every request logged", f"{logged:,} of {final[0]:,}", "all", "ERROR")


# --------------------------------------------------------------------------------------------------
def print_table() -> None:
    width = 76 + 12 + 2 + 12 + 6
    print("\n" + "=" * width)
    print(f"{'figure':<76}{'value':>12}  {'target':<12}{'':>6}")
    print("-" * width)
    section = None
    for f in FIGURES:
        if f.section != section:
            section = f.section
            print(f"[{section}]")
        print(f"{f.label:<76}{f.value:>12}  {f.target:<12}{f.verdict:>6}")
    print("-" * width)
    counts = {v: sum(f.verdict == v for f in FIGURES) for v in ("PASS", "MISS", "ERROR")}
    print(f"{counts['PASS']} PASS, {counts['MISS']} MISS, {counts['ERROR']} ERROR")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=None, help="interactions to generate (default 1,000,000; --quick 20,000)")
    ap.add_argument("--requests", type=int, default=None, help="requests for the memory run (default 20,000; --quick 2,000)")
    ap.add_argument("--quick", action="store_true", help="a small smoke run (CI)")
    ap.add_argument("--db", type=Path, default=None,
                    help="SQLite file to generate into and keep; reused as it is when it already has the rows")
    ap.add_argument("--skip-pages", action="store_true", help="no AppTest renders")
    ap.add_argument("--rss-child", nargs=3, metavar=("URL", "TMP", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        url, tmp, n = args.rss_child
        rss_child(url, tmp, int(n))
        return 0
    rows = args.rows or (20_000 if args.quick else 1_000_000)
    requests = args.requests or (2_000 if args.quick else 20_000)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="switchboard-scale-") as tmp:
        path = (args.db or Path(tmp) / "scale.db").expanduser().resolve()
        have = count_rows(path) if path.exists() else 0
        if have >= rows:
            print(f"reusing {path}: {have:,} rows (generation skipped)", flush=True)
            rows = have
        elif have:
            print(f"{path} has {have:,} rows, fewer than {rows:,}: delete it or pass --rows {have}", flush=True)
            return 2
        else:
            took = generate(path, rows)
            print(f"generated {rows:,} rows in {took:.1f} s", flush=True)
            add("generate", f"generate {rows:,} rows (bulk insert, real schema)", f"{took:.1f} s", "(no target)", "info")
        db_url = f"sqlite:///{path}"
        time_queries(db_url, rows)
        if not args.skip_pages:
            render_pages(db_url)
        database_size(path, rows)
        router_memory(requests)
    print_table()
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 1 if any(f.verdict == "ERROR" for f in FIGURES) else 0


if __name__ == "__main__":
    os.environ.setdefault("ROUTER_DOTENV", "")
    raise SystemExit(main())
