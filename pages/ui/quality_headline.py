"""Widgets of the Savings page for quality: the notes under the headline and the thumbs / Compare votes table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.ui.text import md_escape
from router_core import report_quality


def render_quality_notes(quality: report_quality.Quality, org: str | None, agent: str | None) -> None:
    """Under the headline: what the quality figure leaves out, or how to measure it when nothing is judged."""
    notes = report_quality.quality_notes(quality, org=org, agent=agent)
    with st.container(key="sv_quality_notes"):
        if not quality.judged:
            st.info("\n\n".join(notes), icon="🧪")
        else:
            for note in notes:
                st.caption(md_escape(note))
            st.caption(report_quality.QUALITY_DEFINITION)


def render_feedback(feedback: pd.DataFrame) -> None:
    """Thumbs and Compare votes of the period, per model and per tier (a tab each)."""
    st.subheader("Thumbs and Compare votes")
    st.caption(report_quality.FEEDBACK_NOTE)
    if feedback.empty:
        st.caption("No thumbs or Compare votes in this period: rate answers on the Playground or vote on the "
                   "Compare page.")
        return
    tabs = st.tabs([f"Per {label.lower()}" for label in report_quality.FEEDBACK_BY.values()])
    for tab, by in zip(tabs, report_quality.FEEDBACK_BY):
        tab.dataframe(report_quality.feedback_table(feedback, by), hide_index=True, key=f"sv_feedback_{by}")
