"""The free local model's first download, in the background, with progress in the sidebar."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from pages.ui.widgets import error_text
from router_core.workspace import Workspace


class _ModelDownload:
    """The download, running in a background thread (one per process)."""

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


def fetch_local_model(ws: Workspace) -> None:
    """On a fresh install, fetch the shipped local model (98 MB, once) in the background so the free tier
    answers for real, showing progress in the sidebar. Only the default model file is fetched this way."""
    from router_core.model_files import DEFAULT_MODEL_PATH

    path = ws.local_model_path()
    if path is None or path.resolve() != DEFAULT_MODEL_PATH.resolve() or path.is_file():
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
