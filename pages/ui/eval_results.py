"""Results of an evaluation run for a stakeholder: the headline, per-tier counts, the prompt x contestant grid,
a side-by-side drill-down and the exports. Simulated runs say so everywhere; model output is untrusted text."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.text import md_escape, missing, safe_markdown, shorten
from pages.ui.widgets import tier_badge
from router_core.display import duration, money
from router_core.errors import redact
from router_core.workspace import Workspace

OUTCOMES = {"win": "✅ win", "tie": "🤝 tie", "loss": "❌ loss", "not_judged": "➖ not judged", "error": "⚠️ error",
            "pending": "⏳ pending"}
SIMULATED, MEASURED = "🧪 simulated", "measured"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def interval(counts: dict[str, Any]) -> str:
    return "—" if counts["ci_low"] is None else f"{pct(counts['ci_low'])}–{pct(counts['ci_high'])}"


def headline(summary: dict[str, Any], who: str) -> str:
    """One sentence a stakeholder can repeat (with n and the interval), plus what it cost."""
    s, cost, base = summary, summary["cost_usd"], summary["baseline_cost_usd"]
    if not s["judged"]:
        quality = f"No answer of {md_escape(who)} has been judged yet."
    else:
        quality = (f"**{md_escape(who)} matched or beat the baseline in {pct(s['quality_retained'])} (95 % CI "
                   f"{interval(s)}) of n = {s['judged']} judged prompts** — {s['wins']} wins, {s['ties']} ties, "
                   f"{s['losses']} losses.")
    saved = f" ({pct(1 - cost / base)} less)" if base > 0 and cost <= base else \
        (f" ({pct(cost / base - 1)} more)" if base > 0 else "")
    spend = (f" Its answers cost **{money(cost)}** against **{money(base)}** for the baseline's{saved}; the judge "
             f"cost {money(s['judge_cost_usd'])} on top. Position flips: {s['position_flips']}.")
    prefix = "🧪 **Simulated** — made-up answers and verdicts, not measured quality. " if s["simulated"] else ""
    return prefix + quality + spend


def render_summary(summary: dict[str, Any], who: str) -> None:
    """Metric tiles, the headline sentence and the per-tier table."""
    if summary["simulated"]:
        st.markdown(":orange-badge[🧪 simulated run — not measured quality]")
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric("Quality retained", pct(summary["quality_retained"]),
                  help="(wins + ties) / judged, with its Wilson 95 % interval")
    top[1].metric("95 % interval", interval(summary), help=f"n = {summary['judged']} judged prompts")
    top[2].metric("Wins / ties / losses", f"{summary['wins']} / {summary['ties']} / {summary['losses']}")
    bottom[0].metric("Routed answers cost", money(summary["cost_usd"]), help="Measured, as billed")
    bottom[1].metric("Baseline answers cost", money(summary["baseline_cost_usd"]),
                     help="Measured: the baseline really answered the same prompts")
    bottom[2].metric("Judge spend", money(summary["judge_cost_usd"]), help="Apart from both costs above")
    st.markdown(headline(summary, who))
    if summary["errors"] or summary["not_judged"]:
        st.caption(f"Left out of the share: {summary['errors']} error(s), {summary['not_judged']} not judged "
                   "(see *reason* in the grid).")
    tiers = [{"tier": tier, **{k: c[k] for k in ("judged", "wins", "ties", "losses", "errors")},
              "position flips": c["position_flips"],
              "quality retained": pct(c["quality_retained"]), "95 % CI": interval(c)}
             for tier, c in [*summary["by_tier"].items(), ("Overall", summary)]]
    st.dataframe(pd.DataFrame(tiers), hide_index=True, width="stretch", key="ev_tiers")


def grid_view(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid as displayed: short prompt, verdict labels, simulated or measured."""
    return pd.DataFrame({
        "#": grid["prompt_index"] + 1, "verdict": grid["outcome"].map(lambda o: OUTCOMES.get(o, o)),
        "flipped": grid["flipped"], "tier": grid["tier"], "contestant": grid["target"], "cost": grid["cost_usd"],
        "baseline cost": grid["baseline_cost_usd"],
        "latency": grid["latency_ms"].map(lambda v: "—" if missing(v) else duration(v)),
        "answers": grid["simulated"].map(lambda s: SIMULATED if s else MEASURED),
        "prompt": grid["prompt"].map(lambda p: shorten(p, 70))})

def render_grid(grid: pd.DataFrame) -> None:
    st.dataframe(grid_view(grid), hide_index=True, width="stretch", key="ev_grid",
                 column_config={"cost": st.column_config.NumberColumn(format="$%.6f"),
                                "baseline cost": st.column_config.NumberColumn(format="$%.6f"),
                                "prompt": st.column_config.TextColumn(width="large")})


def _answer(title: str, target: Any, cost: Any, text: Any, simulated: bool) -> None:
    with st.container(border=True):
        tag = " · :orange-badge[🧪 simulated]" if simulated else ""
        st.markdown(f"**{title}** · {md_escape(target or '—')} · {money(None if missing(cost) else cost)}{tag}")
        st.markdown(safe_markdown("" if missing(text) else str(text)) or "*(no answer)*")


def render_drilldown(grid: pd.DataFrame) -> None:
    """Pick one row: the prompt, both answers side by side, and the judge's explanation (all as text)."""
    labels = {i: f"#{r.prompt_index + 1} · {r.target or r.contestant} · {OUTCOMES.get(r.outcome, r.outcome)} · "
                 f"{shorten(r.prompt, 60)}" for i, r in enumerate(grid.itertuples(index=False))}
    picked = st.selectbox("Open a prompt", [None, *labels], key="ev_open",
                          format_func=lambda i: "—" if i is None else labels[i])
    if picked is None:
        return
    row = grid.iloc[picked]
    st.markdown(f"{tier_badge(row['tier'] or '?')} **Prompt:** {md_escape(row['prompt'])}")
    left, right = st.columns(2)
    with left:
        _answer("Contestant", row["target"], row["cost_usd"], row["answer"], bool(row["simulated"]))
    with right:
        _answer("Baseline", row["baseline_target"], row["baseline_cost_usd"], row["baseline_answer"],
                bool(row["simulated"]))
    verdict = OUTCOMES.get(row["outcome"], row["outcome"]) + (" (the verdict flipped with the order)"
                                                               if row["flipped"] else "")
    st.markdown(f"**Verdict:** {verdict}")
    if not missing(row["reason"]) and row["reason"]:
        st.caption(md_escape(row["reason"]))
    if row["explanation"]:
        with st.container(border=True):
            st.markdown("**The judge's explanation**" + (" · :orange-badge[🧪 simulated]" if row["simulated"] else ""))
            st.markdown(safe_markdown(row["explanation"]))


def render_exports(ws: Workspace, run_id: int, simulated: bool) -> None:
    stem = f"switchboard-eval-{run_id}" + ("-simulated" if simulated else "")

    def export(fmt: str):
        def build() -> str:
            try:
                return ws.export_eval(run_id, fmt)
            except Exception as exc:  # noqa: BLE001 - the file says why instead of failing silently
                return f"The export failed: {redact(str(exc))}. Reload the page and try again.\n"
        return build

    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("⬇️ CSV", data=export("csv"), file_name=f"{stem}.csv", mime="text/csv", key="ev_csv",
                       on_click="ignore", help="Every prompt x contestant with both answers and a `simulated` column.")
    c2.download_button("⬇️ JSON", data=export("json"), file_name=f"{stem}.json", mime="application/json",
                       key="ev_json", on_click="ignore", help="The run's settings, its summary and every item.")
