"""Logs — the request log: filter, page through, open one request (messages, answer, attempts, reasons).

Rows come from router_core.store (Store.list_interactions / get_interaction); prompts and answers are
untrusted text: shown as plain text, or as Markdown that never renders HTML.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pandas as pd
import streamlit as st

from pages.shared import (demo_banner, duration, error_text, md_escape, money, router_or_stop, safe_markdown,
                          shorten, tier_badge)
from router_core import Complexity


def code(text) -> str:
    """Inline code for st.markdown (Markdown escapes do not apply inside backticks, so none are added)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


PERIODS = {"Last hour": timedelta(hours=1), "Last 24 hours": timedelta(days=1), "Last 7 days": timedelta(days=7),
           "Last 30 days": timedelta(days=30), "All time": None, "Custom range": "custom"}
PAGE_SIZES = [25, 50, 100, 200]
ANY = "Any"
TABLE_KEY = "lg_table"


def _utc_day(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def _filters(router) -> dict[str, Any]:
    """The filter widgets -> keyword arguments for Store.list_interactions."""
    now = datetime.now(timezone.utc)
    r1 = st.columns([1.1, 2.2, 0.9, 0.9])
    period = r1[0].selectbox("Period", list(PERIODS), index=2, key="lg_period")
    search = r1[1].text_input("Search prompts and answers", key="lg_search", placeholder="any words, case-insensitive",
                              max_chars=200)
    status = r1[2].selectbox("Status", [ANY, "ok", "error"], key="lg_status")
    cached = r1[3].selectbox("Cached", [ANY, "cached", "not cached"], key="lg_cached")
    r2 = st.columns([1.1, 1.1, 2.0, 0.9])
    tiers = r2[0].multiselect("Tier", [t.value for t in [*Complexity.tiers(), Complexity.CACHED]], key="lg_tiers",
                              placeholder="all tiers")
    providers = r2[1].multiselect("Provider", list(router.config.providers), key="lg_providers",
                                  placeholder="all providers")
    models = sorted({m.id for name, p in router.config.providers.items() if not providers or name in providers
                     for m in p.models})
    chosen_models = r2[2].multiselect("Model", models, key="lg_models", placeholder="all models")

    since: datetime | None
    until: datetime | None = None
    span = PERIODS[period]
    if span == "custom":
        today = now.date()
        picked = st.date_input("Dates (UTC)", value=(today - timedelta(days=6), today), max_value=today,
                               key="lg_dates", format="YYYY-MM-DD")
        days = list(picked) if isinstance(picked, (tuple, list)) else [picked]
        start = days[0] if days else today
        end = days[-1] if days else today
        since, until = _utc_day(start), _utc_day(end) + timedelta(days=1)
    elif span is None:
        since = None
    else:
        since = now - span
    return {
        "since": since, "until": until, "search": search.strip() or None,
        "status": None if status == ANY else status,
        "cached": None if cached == ANY else cached == "cached",
        "complexity": tiers or None, "provider": providers or None, "model": chosen_models or None,
        "_page_size": r2[3].selectbox("Rows per page", PAGE_SIZES, index=1, key="lg_page_size"),
        "_period": period,
    }


def _signature(filters: dict[str, Any]) -> str:
    """What identifies a result set (a rolling "last hour" is identified by its name, not its timestamp)."""
    stable = {k: v for k, v in filters.items() if k not in ("since", "until") or filters["_period"] == "Custom range"}
    return json.dumps(stable, default=str, sort_keys=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _saved(baseline: Any, cost: Any, cached: Any) -> float | None:
    """Baseline minus cost (the whole baseline for a cache hit); None when either is unknown."""
    if _missing(baseline):
        return None
    if cached:
        return float(baseline)
    return None if _missing(cost) else float(baseline) - float(cost)


def _signed_money(value: float | None) -> str:
    if value is None:
        return "unknown"
    return ("-" if value < 0 else "") + money(abs(value))


def _table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "id": df["id"].astype("int64"),
        "time (UTC)": pd.to_datetime(df["ts"], utc=True).dt.tz_localize(None),
        "tier": df["complexity"],
        "prompt": df["prompt"].map(lambda p: shorten(p, 90)),
        "route": [f"{p}:{m}" if isinstance(p, str) and p else "–" for p, m in zip(df["provider"], df["model"])],
        "status": df["status"],
        "cached": df["cached"].astype(bool),
        "cost": df["cost_usd"].map(lambda v: money(None if _missing(v) else v)),
        "saved": [_signed_money(_saved(b, x, c))
                  for b, x, c in zip(df["baseline_cost_usd"], df["cost_usd"], df["cached"])],
        "latency": df["latency_ms"].map(duration),
        "tokens in/out": [f"{int(i):,} / {int(o):,}" for i, o in zip(df["input_tokens"], df["output_tokens"])],
        "org": df["org"].fillna(""),
    })


def _messages(raw: Any) -> list[dict[str, str]]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except (TypeError, ValueError):
        return []
    out = []
    for m in value if isinstance(value, list) else []:
        if isinstance(m, dict):
            out.append({"role": str(m.get("role") or "user"), "content": str(m.get("content") or "")})
    return out


def _show_text(text: str, as_markdown: bool) -> None:
    """Untrusted text: Markdown without HTML (st.markdown never renders HTML here) or plain text."""
    if as_markdown:
        st.markdown(safe_markdown(text))
    else:
        st.text(text)


def _detail(router, row: dict[str, Any]) -> None:
    rid = row["id"]
    ts = row.get("ts")
    when = ts.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(ts, datetime) else str(ts)
    badges = [tier_badge(row.get("complexity") or "?")]
    badges.append(":green-badge[ok]" if row.get("status") == "ok" else ":red-badge[error]")
    if row.get("cached"):
        badges.append(":violet-badge[⚡ cached]")
    if row.get("simulated"):
        badges.append(":orange-badge[🧪 simulated]")
    st.subheader(f"Request #{rid}")
    st.markdown(" ".join(badges) + f" · {md_escape(when)} · score {float(row.get('score') or 0):.2f}")
    who = [f"**{md_escape(row.get('provider') or '–')}** · {md_escape(row.get('model') or '–')}"]
    for label, key in (("org", "org"), ("agent", "agent"), ("session", "session_id")):
        if row.get(key):
            who.append(f"{label} {code(row[key])}")
    who.append(f"{int(row.get('input_tokens') or 0):,} tokens in / {int(row.get('output_tokens') or 0):,} out")
    st.markdown(" · ".join(who))

    cost, base = row.get("cost_usd"), row.get("baseline_cost_usd")
    m = st.columns(5)
    m[0].metric("Cost", money(cost))
    m[1].metric("Baseline", money(base), help="The same usage on the baseline model.")
    m[2].metric("Saved", _signed_money(_saved(base, cost, row.get("cached"))))
    m[3].metric("Latency", duration(row.get("latency_ms")))
    m[4].metric("First token", duration(row.get("ttft_ms")))

    as_markdown = st.toggle("Render as Markdown (HTML is never rendered)", value=True, key="lg_markdown")
    st.markdown("**Messages**")
    messages = _messages(row.get("messages_json"))
    if not messages and row.get("prompt"):
        messages = [{"role": "user", "content": row["prompt"]}]
    for msg in messages:
        with st.chat_message(msg["role"] if msg["role"] in ("user", "assistant") else "system",
                             avatar="⚙️" if msg["role"] == "system" else None):
            if msg["role"] == "system":
                st.caption("system prompt")
            _show_text(msg["content"], as_markdown)
    st.markdown("**Answer**")
    if row.get("response"):
        with st.chat_message("assistant"):
            _show_text(row["response"], as_markdown)
    else:
        st.caption("No answer was returned.")
    if row.get("error"):
        st.error(md_escape(row["error"]), icon="❌")

    left, right = st.columns(2)
    with left:
        st.markdown("**Why this route**")
        reasons = row.get("reasons") or []
        st.markdown("\n".join(f"- {md_escape(r)}" for r in reasons) if reasons else "No particular signal.")
    with right:
        feedback = int(row.get("feedback") or 0)
        st.markdown("**Feedback**")
        st.markdown({1: "👍 helpful", -1: "👎 not helpful"}.get(feedback, "none given"))
    # full width: the attempts table has long error messages
    st.markdown("**Attempts**")
    attempts = [a for a in (row.get("attempts") or []) if isinstance(a, dict)]
    if attempts:
        st.dataframe(pd.DataFrame([{
            "#": i, "provider": a.get("provider"), "model": a.get("model"), "outcome": a.get("outcome"),
            "HTTP": a.get("status"), "latency": duration(a.get("latency_ms")),
            "retryable": a.get("retryable"), "error": a.get("error") or "",
        } for i, a in enumerate(attempts, start=1)]), hide_index=True, width="stretch", key="lg_attempts")
    elif row.get("cached"):
        st.caption("Served from the cache: no provider was called.")
    else:
        st.caption("No attempts recorded.")


def main() -> None:
    router = router_or_stop()
    demo_banner(router)
    store = router.store
    st.title("📜 Logs")
    st.caption("Every request the router handled, newest first. Times are UTC. Click a row to open it.")

    filters = _filters(router)
    page_size = filters["_page_size"]
    query = {k: v for k, v in filters.items() if not k.startswith("_")}
    signature = _signature(filters)
    if st.session_state.get("lg_signature") != signature:  # new filters: a fresh pager (page 1), nothing open
        st.session_state["lg_signature"] = signature
        st.session_state["lg_gen"] = int(st.session_state.get("lg_gen", 0)) + 1
        st.session_state.pop(TABLE_KEY, None)
    page_key = f"lg_page_{st.session_state['lg_gen']}"
    page = int(st.session_state.get(page_key) or 1)
    default_page = 1
    if st.session_state.get("lg_shown_page") != page:  # another page: the selected row index means nothing now
        st.session_state["lg_shown_page"] = page
        st.session_state.pop(TABLE_KEY, None)

    try:
        with st.spinner("Reading the log…"):
            df, total = store.list_interactions(**query, offset=(page - 1) * page_size, limit=page_size)
        if df.empty and total and page > 1:  # the rows shrank under us: show the last page
            page = max(1, math.ceil(total / page_size))
            st.session_state["lg_gen"] += 1
            page_key = f"lg_page_{st.session_state['lg_gen']}"
            default_page = page
            df, total = store.list_interactions(**query, offset=(page - 1) * page_size, limit=page_size)
    except Exception as exc:  # noqa: BLE001 - a message, never a traceback
        st.error(f"Could not read the request log: {error_text(exc)} Check DATABASE_URL (Settings) and reload.",
                 icon="🛑")
        return

    if total == 0:
        try:
            _, everything = store.list_interactions(limit=0)
        except Exception:  # noqa: BLE001 - the filtered query just worked; assume there is traffic
            everything = 1
        if everything:
            st.info("**No requests match these filters.** Widen the period, clear the search or remove a filter.",
                    icon="🔍")
        else:
            st.info("**Nothing logged yet.** Chat on the **Playground** page or run "
                    "`python -m router_core demo-routing`, and the requests appear here.", icon="💡")
            st.page_link("pages/playground.py", label="Open the Playground", icon="💬")
        return

    pages = max(1, math.ceil(total / page_size))
    first, last = (page - 1) * page_size + 1, min(page * page_size, total)
    head_left, head_right = st.columns([3, 1], vertical_alignment="center")
    head_left.markdown(f"**Rows {first:,}–{last:,} of {total:,}** · page {page:,} of {pages:,}")

    def csv_export() -> str:
        try:
            return store.export_interactions_csv(**query)
        except Exception as exc:  # noqa: BLE001 - the download shows why instead of failing silently
            return f"error\nThe export failed: {error_text(exc)} Reload the Logs page and try again.\n"

    head_right.download_button(f"⬇️ CSV of {total:,} rows", data=csv_export,
                               file_name="switchboard-log.csv", mime="text/csv", key="lg_csv", on_click="ignore",
                               help="Every row matching the filters (all pages), oldest first.")
    state = st.dataframe(_table(df), hide_index=True, width="stretch", key=TABLE_KEY, on_select="rerun",
                         selection_mode="single-row", height=min(38 + 35 * len(df), 600),
                         column_config={"time (UTC)": st.column_config.DatetimeColumn(format="MMM D HH:mm:ss"),
                                        "cached": st.column_config.CheckboxColumn(width="small"),
                                        "id": st.column_config.NumberColumn(width="small", format="%d"),
                                        "tier": st.column_config.TextColumn(width="small"),
                                        "prompt": st.column_config.TextColumn(width="medium"),
                                        "status": st.column_config.TextColumn(width="small"),
                                        "cost": st.column_config.TextColumn(width="small"),
                                        "saved": st.column_config.TextColumn(width="small"),
                                        "latency": st.column_config.TextColumn(width="small")})
    if pages > 1:
        st.pagination(pages, default=default_page, key=page_key, max_visible_pages=7)

    selected = list(getattr(getattr(state, "selection", None), "rows", []) or [])
    picked_id: int | None = int(df.iloc[selected[0]]["id"]) if selected and selected[0] < len(df) else None
    with st.expander("Open a request by id", expanded=False):
        typed = st.number_input("Request id", min_value=0, step=1, value=0, key="lg_open_id",
                                help="For example the id the Playground shows under an answer. 0 = none.")
    if typed:
        picked_id = int(typed)
    if picked_id is None:
        st.caption("Select a row to see its messages, answer, attempts and reasons.")
        return
    st.divider()
    try:
        row = store.get_interaction(picked_id)
    except Exception as exc:  # noqa: BLE001
        st.error(f"Could not load request #{picked_id}: {error_text(exc)}")
        return
    if row is None:
        st.warning(f"There is no request #{picked_id}.")
        return
    _detail(router, row)


main()
