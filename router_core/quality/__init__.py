"""Measured quality: the blind pairwise judge, evaluation runs and their statistics.

  judge.py       MT-Bench pair-v2 / pair-math-v1 in both orders, verdict parsing, the self-judge rule
  stats.py       Wilson interval, per-tier counts, the run summary (the CLI's --json keys)
  promptsets.py  uploaded CSV / JSONL, built-in benchmark sets, logged traffic
  runs.py        evaluation runs: bounded concurrency, spend cap, resume without paying twice
  cli.py         `python -m router_core eval`

Front ends use it through `router_core.workspace.Workspace` (evaluations.py).
"""

from .judge import Answer, Judge, JudgeResult, SelfJudgeError, parse_verdict
from .stats import Counts, Summary, summarize, wilson_interval

__all__ = ["Answer", "Judge", "JudgeResult", "SelfJudgeError", "parse_verdict", "Counts", "Summary", "summarize",
           "wilson_interval"]
