"""Readable numbers shared by the CLI and the app."""

from __future__ import annotations


def money(value: float | None) -> str:
    """`$0.0012`, `-$0.0012`, `<$0.0001`, `$0`, or "unpriced" when the cost is unknown.

    The one money formatter of the CLI, the HTML report and the app: the sign goes before the dollar.
    """
    if value is None:
        return "unpriced"
    if value == 0:
        return "$0"
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size < 0.0001:
        return f"{sign}<$0.0001"
    if size >= 100:
        return f"{sign}${size:,.0f}"
    if size >= 1:
        return f"{sign}${size:,.2f}"
    return f"{sign}${size:.4f}"


def duration(ms: float | None) -> str:
    """`850 ms` or `2.4 s`; "–" when unknown."""
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
