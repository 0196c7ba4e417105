"""Readable numbers and reason lists shared by the CLI, the report and the app."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

_SINCE = re.compile(r"^(\d+)([dhw])$")


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


def grouped_reasons(pairs: Iterable[tuple[str, str]]) -> str:
    """"x and y: reason; z: other reason" — each reason written once, with every subject it applies to."""
    by_reason: dict[str, list[str]] = {}
    for subject, reason in pairs:
        subjects = by_reason.setdefault(reason, [])
        if subject not in subjects:
            subjects.append(subject)
    return "; ".join(f"{', '.join(s[:-1]) + ' and ' + s[-1] if len(s) > 1 else s[0]}: {reason}"
                     for reason, s in by_reason.items())


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def since_arg(text: str) -> datetime:
    """A command line's `--since`: "30d", "12h", "2w" or an ISO date -> an aware UTC datetime."""
    match = _SINCE.match(text.strip())
    if match:
        unit = {"d": "days", "h": "hours", "w": "weeks"}[match.group(2)]
        return datetime.now(timezone.utc) - timedelta(**{unit: int(match.group(1))})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a period like 30d, 12h, 2w or a date like 2026-11-01")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
