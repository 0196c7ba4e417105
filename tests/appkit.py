"""Shared fixtures for the Streamlit app tests (AppTest, and the browser test's server).

    from appkit import app_env, app, ROOT          # noqa: F401  (fixtures are used by name)

    def test_something(app, app_env):
        app.run()                                  # Playground (the default page)
        app.switch_page("pages/compare.py").run()  # any page; path relative to app.py
        app_env.store.list_comparisons()           # the test's own database

Each test gets an isolated copy of data/router.toml in tmp_path ([demo] failure_rate = 0 and
latency_scale = 0, so simulated answers are instant and deterministic), its own SQLite file, demo mode
forced on, and empty Streamlit caches. The local model is pointed at a missing file by default, so the
TRIVIAL/SIMPLE tiers fall to the (simulated) next candidate instead of loading a real model; pass
`local_model=True` to `write_config` to keep the real one.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

APP = ROOT / "app.py"
TIMEOUT = 30  # AppTest's default is 3 s; a cold first run can take longer on a busy machine


def write_config(dest_dir: Path, *, failure_rate: float = 0.0, latency_scale: float = 0.0,
                 local_model: bool = False) -> Path:
    """A copy of data/router.toml with the [demo] values replaced (and the local model optionally missing)."""
    text = (ROOT / "data" / "router.toml").read_text(encoding="utf-8")
    text, n1 = re.subn(r"(?m)^failure_rate\s*=.*$", f"failure_rate = {failure_rate}", text)
    text, n2 = re.subn(r"(?m)^latency_scale\s*=.*$", f"latency_scale = {latency_scale}", text)
    assert n1 == 1 and n2 == 1, "data/router.toml no longer has a [demo] table with both settings"
    if not local_model:
        missing = (dest_dir / "no-model" / "SmolLM2-135M-Instruct.Q4_1.gguf").as_posix()
        text, n3 = re.subn(r'(?m)^model_path\s*=.*$', f'model_path = "{missing}"', text)
        assert n3 == 1, "data/router.toml no longer sets [providers.local.options] model_path"
    path = dest_dir / "router.toml"
    path.write_text(text, encoding="utf-8")
    return path


def clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@dataclass
class AppEnv:
    """What a test may want to inspect: where the config and database are, and the store itself."""

    tmp_path: Path
    config_path: Path
    database_url: str
    _store: Any = None

    @property
    def env(self) -> dict[str, str]:
        return {"ROUTER_CONFIG": str(self.config_path), "DATABASE_URL": self.database_url, "ROUTER_DEMO": "1"}

    @property
    def store(self):
        """A Store on the test's database (the app's Router uses the same file)."""
        if self._store is None:
            from router_core.store import Store

            self._store = Store(self.database_url)
        return self._store

    def count(self, table: str) -> int:
        import sqlalchemy as sa

        with self.store.engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppEnv]:
    """Isolated config + SQLite + demo mode for one test; Streamlit caches cleared before and after."""
    config = write_config(tmp_path)
    env = AppEnv(tmp_path, config, f"sqlite:///{tmp_path / 'app.db'}")
    for name, value in env.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ROUTER_DOTENV", str(tmp_path / "no.env"))  # never the developer's .env
    monkeypatch.chdir(ROOT)
    clear_streamlit_caches()
    yield env
    clear_streamlit_caches()
    if env._store is not None:
        env._store.close()


@pytest.fixture
def ws(tmp_path: Path, db_url: str) -> Iterator[Any]:
    """A Workspace over a demo-mode router on the test's database (`db_url`: import it from pg beside this)."""
    from router_core.config import load_config
    from router_core.router import Router
    from router_core.store import Store
    from router_core.workspace import Workspace

    config = load_config(write_config(tmp_path), {"ROUTER_DEMO": "1", "ROUTER_DOTENV": str(tmp_path / "no.env")})
    store = Store(db_url)
    router = Router(config, store=store)
    yield Workspace(router)
    router.close()
    store.close()


def _no_v1_pages_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest resets Streamlit's "is this a v1 pages/-folder app?" flag before every run, and our pages
    live in a folder named pages/, so every run after the first would execute the page file directly,
    without app.py (no navigation, shared sidebar or banner). A real server decides this once per
    process and st.navigation switches it off. Here: never a v1 app."""
    import streamlit.runtime.pages_manager as pages_manager

    real_path = pages_manager.Path

    class PathWithoutPagesFolder(type(real_path())):
        def exists(self, *args: Any, **kwargs: Any) -> bool:
            return False if self.name == "pages" else super().exists(*args, **kwargs)

    monkeypatch.setattr(pages_manager, "Path", PathWithoutPagesFolder)


@pytest.fixture
def app(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch):
    """An AppTest of app.py (not run yet) over the isolated environment."""
    from streamlit.testing.v1 import AppTest

    _no_v1_pages_folder(monkeypatch)
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


# ---------------------------------------------------------------------------------------- helpers
def walk(node: Any) -> Iterator[Any]:
    """Every element and block of an AppTest tree (depth first)."""
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def rendered_text(at: Any) -> str:
    """Everything the app sent to the browser for this run, as text: every element's proto (main and
    sidebar), plus the decoded cells of tables and dataframes (their protos hold Arrow bytes)."""
    import pandas as pd

    parts = []
    for node in walk(at._tree):
        parts.append(str(getattr(node, "proto", "")))
        if getattr(node, "type", "") in ("table", "arrow_table", "dataframe", "arrow_data_frame"):
            value = node.value
            if isinstance(value, pd.DataFrame):
                parts.append(value.to_csv())
    return "\n".join(parts)


def plain(markdown: str) -> str:
    """Markdown as the user reads it, for assertions: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", str(markdown))


def texts(elements: Any) -> list[str]:
    """The values of elements (markdown, captions, alerts) as plain text."""
    return [plain(e.value) for e in elements]


def assert_no_exception(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_page(app: Any, path: str) -> Any:
    """Run the app, then switch to the page at `path` (relative to app.py); no exception may show."""
    app.run()
    app.switch_page(path).run()
    assert_no_exception(app)
    return app


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch):
    """`fetch(at, key)`: the bytes a deferred download button would serve (AppTest keeps them in its
    media file manager, which this records)."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager

    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)

    def fetch(at: Any, key: str) -> str:
        button = at.download_button(key=key)
        file_id = button.proto.deferred_file_id
        assert file_id, "expected a deferred (built on click) download"
        data = managers[-1]._deferred_callables[file_id]["callable"]()
        return data.decode() if isinstance(data, bytes) else data

    return fetch
