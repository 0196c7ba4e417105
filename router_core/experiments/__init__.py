"""Prompt experiments: a dataset x prompt variants x targets, every cell answered, scored and priced, with a
recommended column (promptfoo's grid, with cost per quality point in each column).

  dataset.py   CSV / JSONL upload (a column per {{variable}}, optional `expected`) or logged prompts
  variants.py  an agent's version or a draft; {{variable}} placeholders, checked before anything is paid
  targets.py   auto (under a policy), baseline, provider:model
  scorers.py   exact, contains, regex, json_schema, judge (MT-Bench single-v1, 1-10), pairwise
  build.py     checks and stores a new experiment
  runner.py    runs or resumes one (the evaluation engine's concurrency, spend cap and progress)
  grid.py      per-column mean with a 95 % interval, cost, cost per point, latency; the recommended column
  export.py    CSV and escaped HTML
  spec.py      the TOML file of `python -m router_core experiment`
  cli.py       that command

Front ends use it through `router_core.workspace.Workspace` (workspace/experiments.py).
"""

from .dataset import Dataset, DatasetError, ExperimentError, Input
from .grid import Column
from .scorers import Scorer
from .variants import Variant

__all__ = ["Dataset", "DatasetError", "ExperimentError", "Input", "Column", "Scorer", "Variant"]
