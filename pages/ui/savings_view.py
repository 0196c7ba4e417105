"""Widgets of the Savings page: which traffic counts, the headline (savings beside quality) with its tiles, and what
measuring cost."""

from __future__ import annotations

import streamlit as st

from pages.ui.quality_headline import render_quality_notes
from pages.ui.text import md_escape
from router_core import report, report_quality
from router_core.sources import (NOT_RECORDED_LABEL, REAL_TRAFFIC_FILTER, SOURCES, SourceFilter,
                                 source_from_label, source_label)

SOURCE_OPTIONS = [*SOURCES, NOT_RECORDED_LABEL]
TILES_PER_ROW = 5


def source_picker(container) -> SourceFilter:
    """The "Traffic counted" multiselect (real traffic by default); the sources picked, never empty."""
    picked = container.multiselect(
        "Traffic counted", SOURCE_OPTIONS, default=[source_label(s) for s in REAL_TRAFFIC_FILTER], key="sv_sources",
        help="Real traffic (playground, api, gateway, and rows logged before sources were recorded) by default. "
             "Add compare, eval, shadow or cli to see what those calls would count for.")
    if not picked:
        container.caption("Nothing picked: counting real traffic.")
        return REAL_TRAFFIC_FILTER
    return tuple(source_from_label(label) for label in picked)


def render_headline(data: report.SavingsData, baseline: str, quality: report_quality.Quality) -> None:
    """The headline (net savings beside measured quality), the money breakdown, the quality notes, then the KPI
    tiles."""
    with st.container(key="sv_headline"):
        st.markdown(f"### {md_escape(report_quality.headline(data.kpis, quality))}")
        if data.kpis.get("baseline_usd"):
            st.markdown(md_escape(report.savings_breakdown(data.kpis)))
        st.caption(f"Counting {data.scope}.")
    with st.container(key="sv_quality_slot"):
        render_quality_notes(quality, data.org, data.agent)
    tiles = report.kpi_tiles(data.kpis, baseline)
    for start in range(0, len(tiles), TILES_PER_ROW):
        for col, tile in zip(st.columns(TILES_PER_ROW), tiles[start:start + TILES_PER_ROW]):
            col.metric(tile.label, tile.value, help=tile.help, border=True)


def render_measuring(data: report.SavingsData) -> None:
    """What Compare columns, evaluation runs and shadow checks cost in the period, apart from the savings."""
    st.subheader("What measuring cost")
    st.caption(report.MEASURING_NOTE)
    tiles = report.measuring_tiles(data.measuring)
    for col, tile in zip(st.columns(len(tiles)), tiles):
        col.metric(tile.label, tile.value, help=tile.help, border=True)
