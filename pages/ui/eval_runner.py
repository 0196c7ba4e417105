"""Evaluation runs and prompt experiments in the background of the app process, watched by a progress bar.

`Workspace.run_eval` blocks until the run is over and reports progress from the router's event-loop thread,
where Streamlit elements cannot be updated. So a run goes to a worker thread that records its progress
here, and the page polls that record to move an `st.progress` bar. The run survives the user leaving the
page (it finishes in the background); a run stored as "running" that no thread of this process is working
on was interrupted (the app restarted mid-run) and can be resumed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from pages.ui.text import md_escape
from pages.ui.widgets import error_text
from router_core.display import money
from router_core.workspace import Workspace

POLL_S = 0.2


@dataclass
class RunProgress:
    """What the worker thread reports: prompts done of total, USD spent, and how it ended."""

    total: int
    done: int = 0
    spent: float = 0.0
    status: str | None = None  # "done" / "partial" when over; None while running
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    unit: str = "prompts"  # what `done` counts

    def update(self, done: int, total: int, spent: float) -> None:
        self.done, self.total, self.spent = done, total, spent


_lock = threading.Lock()
_active: dict[tuple[str, str, int], RunProgress] = {}
Runner = Callable[..., str]  # Workspace.run_eval or .run_experiment: (id, progress=, max_cost_usd=) -> status


def active(ws: Workspace, run_id: int, kind: str = "eval") -> RunProgress | None:
    """The progress of a run (kind "eval") or experiment ("experiment") this process is working on now (None:
    not running here)."""
    with _lock:
        progress = _active.get((kind, ws.database(), int(run_id)))
    return progress if progress is not None and not progress.finished.is_set() else None


def start(ws: Workspace, run_id: int, total: int, max_cost_usd: float | None = None, *, kind: str = "eval",
          unit: str = "prompts") -> RunProgress:
    """Run (or resume) `run_id` in a worker thread (an experiment when kind is "experiment"); one already going
    here is not started twice."""
    key = (kind, ws.database(), int(run_id))
    with _lock:
        current = _active.get(key)
        if current is not None and not current.finished.is_set():
            return current
        progress = _active[key] = RunProgress(total, unit=unit)
    run: Runner = ws.run_experiment if kind == "experiment" else ws.run_eval

    def work() -> None:
        try:
            progress.status = run(int(run_id), progress=progress.update, max_cost_usd=max_cost_usd)
        except Exception as exc:  # noqa: BLE001 - shown on the page as a message
            progress.error = error_text(exc)
        finally:
            progress.finished.set()

    threading.Thread(target=work, name=f"{kind}-run-{run_id}", daemon=True).start()
    return progress


def watch(progress: RunProgress) -> None:
    """A progress bar (done / total, spend so far) until the run is over; then the page reruns."""
    bar = st.progress(0.0, text="Starting…")
    while not progress.finished.wait(POLL_S):
        _draw(bar, progress)
    _draw(bar, progress)
    if progress.error:
        st.error(f"The run stopped: {md_escape(progress.error)}", icon="🛑")
        return
    st.rerun()


def _draw(bar, progress: RunProgress) -> None:
    share = progress.done / progress.total if progress.total else 0.0
    bar.progress(min(share, 1.0), text=f"{progress.done} / {progress.total} {progress.unit} · {money(progress.spent)} spent")

