"""Readable numbers shared by the CLI and the app."""

from __future__ import annotations

from collections.abc import Sequence


def money(value: float | None) -> str:
    """`$0.0012`, `<$0.0001`, `$0`, or "unpriced" when the cost is unknown."""
    if value is None:
        return "unpriced"
    if value == 0:
        return "$0"
    if abs(value) < 0.0001:
        return "<$0.0001" if value > 0 else "-<$0.0001"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    return f"${value:.4f}"


def duration(ms: float | None) -> str:
    """`850 ms` or `2.4 s`; "–" when unknown."""
    if ms is None:
        return "–"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
