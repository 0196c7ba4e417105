"""Quality next to the savings: the headline sentence, the notes beside it and the thumbs / votes table, worded
once for the Savings page and the HTML report.

    headline(kpis, quality)   # "Saved 41.2 % of the baseline cost; routed answers matched or beat the baseline
                              #  in 87.5 % (95 % CI 64.0–96.5 %) of 16 judged requests."
    quality_notes(quality, org="acme", agent=None)   # simulated verdicts left out, what the filters cover
    feedback_table(workspace.feedback_rollup(...), by="target")   # or by="tier"

`quality` is anything shaped like workspace.QualityHeadline (judged, matched_or_better, share, ci_low, ci_high,
simulated_excluded): non-simulated verdicts of routed answers (shadow checks, evaluation runs); simulated ones
(demo mode) are never presented as measured quality, only counted in a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

NOT_MEASURED = "quality not measured yet"
HOW_TO_MEASURE = ("To measure it: run an evaluation on the Evaluations page (or `python -m router_core eval --set "
                  "mt-bench --judge provider:model`), or turn on shadow checks of live traffic with "
                  "`[quality] shadow_rate = 0.02` in router.toml.")
QUALITY_DEFINITION = ("A blind judge compared each routed answer with the baseline model's answer to the same request "
                      "(shadow checks of live traffic and evaluation runs of the period): matched or beat = wins + "
                      "ties; a request routed to the baseline itself is a tie. The interval is Wilson's 95 %.")
FEEDBACK_NOTE = ("Thumbs on answers of the traffic counted; Compare votes of the period (comparisons belong to no "
                 "org or agent). Rows marked simulated rate demo-mode answers, not a real model's.")
FEEDBACK_BY = {"target": "Model", "tier": "Tier"}
FEEDBACK_HEADERS = {"thumbs_up": "👍", "thumbs_down": "👎", "votes": "Compare votes", "vote_wins": "Picked",
                    "vote_ties": "Tie"}


class Quality(Protocol):
    judged: int
    matched_or_better: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    simulated_excluded: int


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def savings_lead(k: Mapping[str, Any]) -> str:
    """"Saved 41.2 % of the baseline cost", "Spent 12.0 % more than the baseline cost", or no priced requests."""
    if not k.get("baseline_usd"):
        return "No priced requests in this period, so nothing to compare with the baseline yet"
    pct = abs(float(k.get("saved_pct") or 0.0))
    if float(k.get("saved_usd") or 0.0) >= 0:
        return f"Saved {pct:.1f} % of the baseline cost"
    return f"Spent {pct:.1f} % more than the baseline cost"


def measured(q: Quality) -> str:
    """"routed answers matched or beat the baseline in 87.5 % (95 % CI 64.0–96.5 %) of 16 judged requests"."""
    assert q.share is not None and q.ci_low is not None and q.ci_high is not None
    return (f"routed answers matched or beat the baseline in {100 * q.share:.1f} % "
            f"(95 % CI {100 * q.ci_low:.1f}–{100 * q.ci_high:.1f} %) of {_plural(q.judged, 'judged request')}")


def simulated_note(q: Quality) -> str | None:
    """"3 simulated verdicts (demo mode) are not counted", or None without any."""
    if not q.simulated_excluded:
        return None
    verb = "is" if q.simulated_excluded == 1 else "are"
    return f"{_plural(q.simulated_excluded, 'simulated verdict')} (demo mode) {verb} not counted"


def headline(k: Mapping[str, Any], q: Quality) -> str:
    """The one sentence of the Savings page and the report: net savings, then measured quality or plainly none."""
    lead = savings_lead(k)
    if q.judged and q.share is not None:
        return f"{lead}; {measured(q)}."
    fake = simulated_note(q)
    return f"{lead}; {NOT_MEASURED}" + (f": {fake}." if fake else ".")


def quality_notes(q: Quality, *, org: str | None = None, agent: str | None = None) -> list[str]:
    """What the quality figure leaves out and how to get one: simulated verdicts, the filters, how to measure."""
    notes = []
    fake = simulated_note(q)
    if fake and q.judged:  # without measured verdicts the headline says it already
        notes.append(f"{fake[0].upper()}{fake[1:]}: a simulated judge's verdict is never measured quality.")
    if not q.judged:
        notes.append(HOW_TO_MEASURE)
    if org:
        notes.append(f"Quality for org {org}: its shadow checks only (evaluation runs belong to no org).")
    if agent:
        notes.append("Quality counts every agent (verdicts are not filtered by agent).")
    return notes


def feedback_table(df: pd.DataFrame, by: str = "target") -> pd.DataFrame:
    """The rollup per model (`by="target"`) or per tier, simulated answers on rows of their own (an "Answers"
    column says which, when there are any); columns renamed for people (FEEDBACK_HEADERS), most feedback first."""
    if by not in FEEDBACK_BY:
        raise ValueError(f"by is one of {', '.join(FEEDBACK_BY)}, not {by!r}")
    counts = list(FEEDBACK_HEADERS)
    grouped = df.groupby([by, "simulated"], as_index=False)[counts].sum()
    grouped["_w"] = grouped[counts[:3]].sum(axis=1)
    grouped = grouped.sort_values(["simulated", "_w", by], ascending=[True, False, True]).drop(columns="_w")
    any_simulated = bool(grouped["simulated"].any())
    grouped["simulated"] = grouped["simulated"].map(lambda s: "simulated" if s else "real")
    columns = [FEEDBACK_BY[by], *FEEDBACK_HEADERS.values(), *(["Answers"] if any_simulated else [])]
    return (grouped.rename(columns={by: FEEDBACK_BY[by], "simulated": "Answers", **FEEDBACK_HEADERS})
            .reset_index(drop=True)[columns])
