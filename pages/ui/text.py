"""Text for the UI: Markdown escaping, untrusted model output, short forms of text, times and money."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from router_core.display import money

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~$:])")
# Code we must not touch: fenced blocks (closed or still streaming) and inline code spans.
_CODE = re.compile(r"(```[\s\S]*?(?:```|\Z)|~~~[\s\S]*?(?:~~~|\Z)|`[^`\n]+`)")


def md_escape(text: Any) -> str:
    """Plain text -> Markdown that shows exactly that text (for names, error messages, prompts)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def md_message(text: Any) -> str:
    """A router message (config hint, error) as Markdown: plain text, but its `code spans` stay code."""
    parts = _CODE.split(str(text))
    for i in range(0, len(parts), 2):
        parts[i] = _MD_SPECIAL.sub(r"\\\1", parts[i])
    return "".join(parts)


def code(text: Any) -> str:
    """Inline code for st.markdown (Markdown escapes do not apply inside backticks, so none are added)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def safe_markdown(text: str) -> str:
    """Untrusted model output -> Markdown for st.markdown (which never renders HTML).

    Outside code: `$` is escaped (no accidental LaTeX from prices like "$5 and $10") and images are
    turned into plain text (a remote image in an answer would be fetched by the browser).
    Code blocks and inline code stay untouched, so they keep their highlighting.
    """
    parts = _CODE.split(text or "")
    for i in range(0, len(parts), 2):  # even indexes are prose, odd ones are code
        parts[i] = parts[i].replace("$", r"\$").replace("![", r"!\[")
    return "".join(parts)


def shorten(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ago(ts: datetime | None) -> str:
    """"just now", "5 min ago", "3 h ago", or a date."""
    if ts is None:
        return "never"
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    seconds = (datetime.now(timezone.utc) - ts).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h ago"
    return ts.strftime("%Y-%m-%d %H:%M UTC")


def missing(value: Any) -> bool:
    """None or NaN (a missing cell of a data frame)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def signed_money(value: float | None, unknown: str = "unknown") -> str:
    """money() (-$0.0012 for negative amounts), with `unknown` for None / NaN."""
    return unknown if missing(value) else money(value)


def unit_price_text(unit: Any) -> str:
    """"$0.15 / $0.6" (USD per 1M input / output tokens) or "unpriced"."""
    return "unpriced" if unit is None else f"${unit.input_per_mtok:g} / ${unit.output_per_mtok:g}"
