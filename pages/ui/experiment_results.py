"""Results of a prompt experiment: the per-column summary with the recommended column highlighted, the grid
(rows = inputs, columns = variant x target), one input's answers side by side, and the downloads. Model output
is untrusted text: tables show it as plain text, answers go through safe_markdown."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.text import md_escape, safe_markdown
from router_core.display import duration, money
from router_core.errors import redact
from router_core.workspace import Workspace

RECOMMENDED_BG = "background-color: #e6f4ea; font-weight: 600"


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "—" if value is None else format(value, fmt)


def summary_frame(columns: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "": "★ recommended" if c["recommended"] else "", "variant": c["variant"], "target": c["target"], "n": c["n"],
        "mean score": _num(c["mean_score"]), "95 % interval": f"{_num(c['ci_low'])}–{_num(c['ci_high'])}",
        "cost": money(c["cost_usd"]),
        "cost per point": "—" if c["cost_per_point"] is None else money(c["cost_per_point"]),
        "latency p50": "—" if c["latency_ms_p50"] is None else duration(c["latency_ms_p50"]),
        "errors": c["errors"], "judge cost": money(c["judge_cost_usd"])} for c in columns])


def render_summary(summary: dict[str, Any]) -> None:
    """The recommendation in words, then the per-column table with its row highlighted."""
    if summary["simulated"]:
        st.markdown(":orange-badge[🧪 simulated answers — the figures show how it works, not how good models are]")
    rec = next((c for c in summary["columns"] if c["recommended"]), None)
    if rec is None and any(c["n"] for c in summary["columns"]):
        st.warning("**No recommendation:** no answer passed this scorer in any column. Look at the answers in the "
                   "grid, or score by another scorer above." + (" (Simulated answers rarely pass a check against "
                   "real facts.)" if summary["simulated"] else ""), icon="🤔")
    elif rec is None:
        st.info("No column has a score yet.", icon="⏳")
    else:
        st.success(f"**Recommended: {md_escape(rec['variant'])} · {md_escape(rec['target'])}** — mean "
                   f"{_num(rec['mean_score'])} (95 % CI {_num(rec['ci_low'])}–{_num(rec['ci_high'])}, n = "
                   f"{rec['n']}) for {money(rec['cost_usd'])}: the cheapest column whose mean is not below the best "
                   "column's interval.", icon="⭐")
    frame = summary_frame(summary["columns"])
    styled = frame.style.apply(lambda row: [RECOMMENDED_BG if row[""] else "" for _ in row], axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", key="xp_summary")
    scale = "1-10" if summary["scale"] == "rating" else "pass = 1, fail = 0"
    st.caption(f"Scored by **{md_escape(summary['scorer'])}** ({scale}); cost is the answers' (the judge's apart); "
               "cost per point = cost / sum of scores.")


def render_grid(ws: Workspace, experiment_id: int, scorer: str) -> None:
    """The grid as plain-text cells, then one input opened with every answer rendered safely."""
    grid = ws.experiment_grid(experiment_id, scorer)
    if grid.empty:
        st.caption("No answers stored yet.")
        return
    st.dataframe(grid, hide_index=True, width="stretch", key="xp_grid",
                 column_config={c: st.column_config.TextColumn(width="medium") for c in grid.columns[2:]})
    labels = {i: f"#{i + 1} · {row}" for i, row in enumerate(grid["input"].map(lambda t: t[:70]))}
    picked = st.selectbox("Open an input", [None, *labels], key="xp_open",
                          format_func=lambda i: "—" if i is None else labels[i])
    if picked is None:
        return
    columns = [c for c in grid.columns if " · " in c]
    for start in range(0, len(columns), 2):
        for box, column in zip(st.columns(2), columns[start:start + 2]):
            with box.container(border=True):
                head, _, answer = str(grid.iloc[picked][column]).partition("\n")
                st.markdown(f"**{md_escape(column)}** · {md_escape(head)}")
                st.markdown(safe_markdown(answer) or "*(no answer)*")


def render_exports(ws: Workspace, experiment_id: int, scorer: str, simulated: bool) -> None:
    stem = f"switchboard-experiment-{experiment_id}" + ("-simulated" if simulated else "")

    def export(fmt: str):
        def build() -> str:
            try:
                return ws.export_experiment(experiment_id, fmt, scorer)
            except Exception as exc:  # noqa: BLE001 - the file says why instead of failing silently
                return f"The export failed: {redact(str(exc))}. Reload the page and try again.\n"
        return build

    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("⬇️ CSV", data=export("csv"), file_name=f"{stem}.csv", mime="text/csv", key="xp_csv",
                       on_click="ignore", help="One row per cell: the input, the answer, every scorer's score.")
    c2.download_button("⬇️ HTML", data=export("html"), file_name=f"{stem}.html", mime="text/html", key="xp_html",
                       on_click="ignore", help="The summary and the grid as a page (every answer escaped).")
