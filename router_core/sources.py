"""Where an interaction came from: the one list of source names and how Savings groups them.

Every logged interaction carries one of SOURCES. Savings and the report count REAL_TRAFFIC by default
(the answers users and applications actually asked for); MEASURING sources are what finding out how good
and how cheap the routes are costs (Compare columns, evaluation runs, shadow checks) and are shown apart;
`cli` is neither (a developer trying things from a terminal). Rows logged before sources existed have
NULL and count as real traffic (shown as NOT_RECORDED_LABEL).
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import InvalidRequest

PLAYGROUND, COMPARE, CLI, API = "playground", "compare", "cli", "api"
GATEWAY, EVAL, SHADOW = "gateway", "eval", "shadow"
SOURCES: tuple[str, ...] = (PLAYGROUND, COMPARE, CLI, API, GATEWAY, EVAL, SHADOW)
REAL_TRAFFIC: tuple[str, ...] = (PLAYGROUND, API, GATEWAY)
MEASURING: tuple[str, ...] = (COMPARE, EVAL, SHADOW)
DEFAULT_SOURCE = API  # a Python caller that names no source

NOT_RECORDED_LABEL = "not recorded (before sources)"
# A filter is a tuple of source names, where None stands for rows logged before sources existed.
SourceFilter = tuple["str | None", ...]
REAL_TRAFFIC_FILTER: SourceFilter = (*REAL_TRAFFIC, None)


def check_source(source: str) -> str:
    """`source` if it is one of SOURCES, else InvalidRequest naming the valid ones."""
    if source not in SOURCES:
        raise InvalidRequest(f"Unknown source {source!r}: use one of {', '.join(SOURCES)}.")
    return source


def source_filter(sources: Iterable[str | None]) -> SourceFilter:
    """A validated, de-duplicated filter in SOURCES order (None last); InvalidRequest if empty or unknown."""
    wanted = set(sources)
    for s in wanted - {None}:
        check_source(s)  # type: ignore[arg-type]
    if not wanted:
        raise InvalidRequest("Pick at least one source.")
    return tuple(s for s in (*SOURCES, None) if s in wanted)


def source_label(source: str | None) -> str:
    """The name shown for a source (NULL: NOT_RECORDED_LABEL)."""
    return NOT_RECORDED_LABEL if source is None else source


def source_from_label(label: str) -> str | None:
    return None if label == NOT_RECORDED_LABEL else check_source(label)


def describe_filter(sources: SourceFilter) -> str:
    """"real traffic (playground, api, gateway)" for the default, else the labels joined."""
    if set(sources) == set(REAL_TRAFFIC_FILTER):
        return "real traffic (" + ", ".join(REAL_TRAFFIC) + ")"
    return ", ".join(source_label(s) for s in sources)


__all__ = ["SOURCES", "REAL_TRAFFIC", "MEASURING", "DEFAULT_SOURCE", "NOT_RECORDED_LABEL", "REAL_TRAFFIC_FILTER",
           "SourceFilter", "check_source", "source_filter", "source_label", "source_from_label", "describe_filter",
           "PLAYGROUND", "COMPARE", "CLI", "API", "GATEWAY", "EVAL", "SHADOW"]
