"""Widgets and helpers shared by every page: the cached Router, tier badges, money, the demo banner.

Everything here only *displays* what router_core decided; no routing, pricing or SQL lives in pages/.
"""

from __future__ import annotations

import hmac
import os
import re
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import streamlit as st

from router_core import Complexity
from router_core.display import duration, money
from router_core.errors import InvalidRequest, NoProviderAvailable, ProviderError, RouterError, redact

AUTH_KEY = "sb_authenticated"

# One colour per tier, the same everywhere in the app (Streamlit badge colours).
TIER_COLORS: dict[str, str] = {
    Complexity.TRIVIAL.value: "gray",
    Complexity.SIMPLE.value: "green",
    Complexity.MEDIUM.value: "blue",
    Complexity.COMPLEX.value: "orange",
    Complexity.EXPERT.value: "red",
    Complexity.CACHED.value: "violet",
}
# The same colours as hex, for plotly charts.
TIER_HEX: dict[str, str] = {"TRIVIAL": "#9CA3AF", "SIMPLE": "#16A34A", "MEDIUM": "#2563EB",
                            "COMPLEX": "#EA580C", "EXPERT": "#DC2626", "CACHED": "#7C3AED"}
# Chart colours that are not tiers.
ACCENT_HEX = "#4F46E5"   # the theme's primary colour: "the router's pick", highlights
MUTED_HEX = "#94A3B8"    # everything else
ERROR_HEX = "#DC2626"


@st.cache_resource(show_spinner="Starting the router…")
def _router_for(config_path: str, database_url: str, demo: str):
    from router_core import Router

    return Router.from_env(config_path or None)


def get_router():
    """The process-wide Router (created once, survives reruns; a new one if the config env changes)."""
    return _router_for(os.environ.get("ROUTER_CONFIG", ""), os.environ.get("DATABASE_URL", ""),
                       os.environ.get("ROUTER_DEMO", ""))


APP_SHELL_KEY = "_app_shell_running"  # True while app.py runs the current page


def ensure_app_shell() -> None:
    """Make sure app.py (navigation, shared sidebar, demo banner) runs around this page.

    Because the pages live in a folder named `pages/`, Streamlit starts each new server (and every
    AppTest run) believing this is a v1 "pages folder" app; a run that starts on a page's URL then
    executes that page file *directly*, skipping app.py. st.navigation switches that belief off, so a
    page that finds app.py did not run switches it off too and reruns — app.py then runs first.
    """
    if st.session_state.get(APP_SHELL_KEY):
        return
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_password() -> None:
    """With APP_PASSWORD set (environment or .env), nothing renders until it is typed (constant-time check)."""
    from router_core.config import load_env

    expected = load_env().get("APP_PASSWORD", "")
    if not expected or st.session_state.get(AUTH_KEY):
        return
    st.title("🔀 Switchboard")
    with st.form("login"):
        typed = st.text_input("Team password", type="password", help="Set by APP_PASSWORD on this server.")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if hmac.compare_digest(typed.encode(), expected.encode()):
            st.session_state[AUTH_KEY] = True
            st.rerun()
        st.error("That password is not right.")
    st.stop()


def router_or_stop():
    """The Router, or an actionable error (bad config, unreachable database) and st.stop()."""
    ensure_app_shell()
    try:
        return get_router()
    except RouterError as exc:
        st.error(f"**Switchboard could not start.** {exc}\n\nFix the configuration (ROUTER_CONFIG, default "
                 "`data/router.toml`) or DATABASE_URL, then reload this page.", icon="🛑")
    except Exception as exc:  # noqa: BLE001 - never a traceback in the UI
        st.error(f"**Switchboard could not start:** {type(exc).__name__}: {redact(str(exc))}", icon="🛑")
    st.stop()


def tier_badge(level: str | Complexity) -> str:
    """Markdown for a coloured tier badge."""
    name = level.value if isinstance(level, Complexity) else str(level)
    return f":{TIER_COLORS.get(name, 'gray')}-badge[{name}]"


def demo_banner(router) -> None:
    """A clear banner in demo mode: which answers are simulated and how to add keys.

    app.py shows it once above every page; a page that calls it too does not get a second copy.
    """
    if st.session_state.get(APP_SHELL_KEY):
        return
    if router.config.demo:
        st.info("**Demo mode** — no API keys found, so the cloud providers are *simulated* inside the app "
                "(real wire formats and prices, made-up answers). The `local` model gives real answers. "
                "Add keys to `.env` (see `.env.example`) and restart for real cloud answers.", icon="🧪")


# ---------------------------------------------------------------------------------------------- text
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


def error_text(exc: BaseException) -> str:
    """A message a user can act on for anything the router raises (never a traceback)."""
    message = redact(str(exc)) or type(exc).__name__
    if isinstance(exc, InvalidRequest):
        return message
    if isinstance(exc, NoProviderAvailable):
        return f"No model could answer. {message}"
    if isinstance(exc, ProviderError):
        hint = {"auth": " Check the API key in `.env`.", "quota": " Check the account's billing or quota.",
                "rate_limit": " Wait a moment and try again, or force another provider.",
                "not_configured": " See the Settings page."}.get(exc.kind, "")
        return f"{message}{hint}"
    if isinstance(exc, RouterError):
        return message
    return f"Unexpected error ({type(exc).__name__}): {message}"


# ------------------------------------------------------------------------------------ completions
def is_simulated(router, completion) -> bool:
    """Whether an answer came from a simulated vendor. Cache hits do not carry the flag, so for them
    the provider that produced the cached answer decides."""
    if completion.simulated:
        return True
    if completion.cached:
        provider = router.providers.get(completion.provider)
        return bool(getattr(provider, "simulated", False))
    return False


def saved_text(saved: float | None) -> str:
    if saved is None:
        return "saving unknown"
    if saved < 0:
        return f"{money(-saved)} more than baseline"
    return f"saved {money(saved)}"


def completion_line(router, c) -> str:
    """The one compact line under every answer: tier · provider/model · cost · latency · tokens · saved …"""
    parts = [tier_badge(c.complexity),
             f"**{md_escape(c.provider)}** · {md_escape(c.model)}",
             f"💵 {md_escape(money(c.cost_usd))}",
             f"⏱️ {duration(c.latency_ms)} (first token {duration(c.ttft_ms)})",
             f"🔤 {c.input_tokens:,} in / {c.output_tokens:,} out",
             f"💰 {md_escape(saved_text(c.saved_usd))}"]
    if c.cached:
        parts.append(":violet-badge[⚡ cached]")
    parts.append(":orange-badge[🧪 simulated]" if is_simulated(router, c) else ":green-badge[✅ real]")
    return " · ".join(parts)


def render_route_details(c, candidates: Iterable[str] | None = None) -> None:
    """The "Why this route" body: verdict reasons, candidates in order, skipped ones, every attempt."""
    lines = [f"**Tier** {tier_badge(c.complexity)} (score {c.score:.2f})"]
    reasons = ", ".join(md_escape(r) for r in c.reasons) or "no particular signal"
    lines.append(f"**Reasons:** {reasons}")
    ok = [f"{a.provider}:{a.model}" for a in c.attempts if a.outcome == "ok"]
    answered = ok[-1] if ok else f"{c.provider}:{c.model}"
    if candidates:
        items = []
        for i, t in enumerate(candidates, 1):
            mark = " ← **answered**" if t == answered and not c.cached else ""
            items.append(f"{i}. {md_escape(t)}{mark}")
        lines.append("**Candidates, in order:**\n" + "\n".join(items))
    if c.cached:
        lines.append("**Served from the cache** — no provider was called, so nothing was spent.")
    if c.skipped:
        lines.append("**Skipped:**\n" + "\n".join(f"- {md_escape(p)}:{md_escape(m)} — {md_escape(why)}"
                                                  for p, m, why in c.skipped))
    if c.attempts:
        rows = []
        for a in c.attempts:
            outcome = {"ok": "✅ ok", "error": "❌ error", "skipped": "⏭️ skipped"}.get(a.outcome, a.outcome)
            status = f" HTTP {a.status}" if a.status else ""
            err = f" — {md_escape(a.error)}" if a.error else ""
            rows.append(f"- {md_escape(a.provider)}:{md_escape(a.model)} · {outcome}{status} · "
                        f"{duration(a.latency_ms)}{err}")
        lines.append("**Attempts:**\n" + "\n".join(rows))
    st.markdown("\n\n".join(lines))


# -------------------------------------------------------------------------------------- targets
def target_options(router) -> list[str]:
    """Every configured "provider:model", in file order."""
    return [str(t) for t in router.config.all_targets()]


def target_label(router, target: str) -> str:
    """"groq · llama-3.1-8b-instant" plus why it cannot be used now, if so."""
    provider, _, model = target.partition(":")
    why = router.why_unavailable(provider)
    return f"{provider} · {model}" + (" (unavailable)" if why else "")


def split_target(target: str) -> tuple[str, str]:
    provider, _, model = target.partition(":")
    return provider, model


def current_org() -> str | None:
    """The workspace / org typed in the shared sidebar (None when blank)."""
    value = str(st.session_state.get("sb_org") or "").strip()
    return value or None


__all__ = ["TIER_COLORS", "TIER_HEX", "ACCENT_HEX", "MUTED_HEX", "ERROR_HEX", "APP_SHELL_KEY", "get_router",
           "ensure_app_shell", "router_or_stop",
           "tier_badge", "demo_banner", "money", "duration", "md_escape", "md_message", "safe_markdown", "shorten", "ago",
           "error_text", "is_simulated", "saved_text", "completion_line", "render_route_details",
           "target_options", "target_label", "split_target", "current_org"]


class _ModelDownload:
    """The free local model's first download, running in a background thread (one per process)."""

    def __init__(self, path: Path) -> None:
        self.phase, self.fraction, self.error, self.done = "starting", 0.0, None, False
        threading.Thread(target=self._run, args=(path,), name="local-model-download", daemon=True).start()

    def _run(self, path: Path) -> None:
        from router_core.model_files import pull_model

        try:
            pull_model(path.parent, filename=path.name, progress=self._progress)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            self.error = error_text(exc)
        finally:
            self.done = True

    def _progress(self, phase: str, fraction: float) -> None:
        self.phase, self.fraction = phase, fraction


@st.cache_resource(show_spinner=False)
def _model_download(path: str) -> _ModelDownload:
    return _ModelDownload(Path(path))


def fetch_local_model(router) -> None:
    """On a fresh install, fetch the shipped local model (98 MB, once) in the background so the free tier
    answers for real, showing progress in the sidebar. Only the default model file is fetched this way."""
    from router_core.model_files import DEFAULT_MODEL_PATH

    path = next((getattr(p, "model_path", None) for p in router.providers.values() if p.kind == "llamacpp"), None)
    if path is None or Path(path).resolve() != DEFAULT_MODEL_PATH.resolve() or Path(path).is_file():
        return
    job = _model_download(str(path))
    if job.done and job.error:
        st.sidebar.warning(f"The free local model could not be downloaded: {job.error} Until then cheap "
                           "requests go to the next candidate. Try again from Settings.", icon="⚠️")
        return

    @st.fragment(run_every=1.0)
    def progress() -> None:
        if job.done:
            st.rerun()  # the whole app: the local tier is real from now on
        st.progress(job.fraction, text=f"Fetching the free local model (98 MB, once) · {job.phase}")

    with st.sidebar:
        progress()
