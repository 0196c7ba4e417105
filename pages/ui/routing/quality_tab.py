"""The Routing quality tab: the classifier's cost-quality curve on RouteLLM's public per-prompt data."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import streamlit as st

from pages.shared import code, error_text
from router_core.workspace import Workspace


@st.cache_resource(show_spinner=False, max_entries=4)
def _evaluate(data_dir: str, stamp: float):
    from router_core import routing_eval

    return routing_eval.evaluate(Path(data_dir))


def quality_tab(ws: Workspace) -> None:
    st.caption("How well the classifier's difficulty signal routes on public per-prompt quality data "
               "(RouteLLM: a weak and a strong model's quality on each prompt). The hardest share of prompts "
               "goes to the strong model; a better router reaches strong-model quality with fewer strong calls.")
    try:
        from router_core import routing_eval
    except Exception as exc:  # noqa: BLE001 - still being built, or its data is missing
        st.info(f"Routing-quality evaluation is not available in this build ({type(exc).__name__}).")
        return
    data_dir = Path(routing_eval.DEFAULT_DATA)
    if not data_dir.is_dir():
        st.info(f"**No benchmark data found** at {code(data_dir)}. Put RouteLLM's per-prompt files "
                "(MT-Bench judgements, GSM8K and MMLU responses, the contaminated-prompt lists) there to see the "
                "cost–quality curve, or run `python -m router_core eval-routing` once they are in place.",
                icon="📂")
        return
    stamp = max((f.stat().st_mtime for f in data_dir.iterdir()), default=0.0)
    if "rq_results" not in st.session_state:
        if not st.button("📈 Evaluate routing quality", key="rq_run",
                         help="Classifies about 15,000 benchmark prompts; takes a few seconds the first time."):
            return
        try:
            with st.spinner("Classifying the benchmark prompts…"):
                started = time.perf_counter()
                st.session_state["rq_results"] = _evaluate(str(data_dir), stamp)
                st.session_state["rq_seconds"] = time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001
            st.error(f"The evaluation failed: {error_text(exc)}. Check the files in {code(data_dir)}.")
            return
    results = st.session_state["rq_results"]
    st.plotly_chart(routing_eval.curve_figure(results), key="rq_chart")
    rows = []
    for name, r in results.items():
        rows.append({"benchmark": routing_eval.TITLES.get(name, name), "prompts": r.n,
                     "APGR (router)": round(r.apgr, 3), "APGR (random)": round(r.random.apgr, 3),
                     "APGR (oracle)": round(r.oracle.apgr, 3),
                     "strong calls for 50% of the gap": "n/a" if r.cpt50 is None else f"{100 * r.cpt50:.0f}%",
                     "for 80%": "n/a" if r.cpt80 is None else f"{100 * r.cpt80:.0f}%"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption("APGR: area under the performance-gap-recovered curve (random routing 0.50, higher is better). "
               "RouteLLM's best router on MT-Bench reaches about 0.80.")
