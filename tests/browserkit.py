"""Running the app for real: `streamlit run app.py` on a free port, and Chromium (Debian's) to drive it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from appkit import ROOT
from providerkit import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    """The browser tests need Debian's chromium; say how to get it rather than skip."""
    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: apt-get install chromium")


@contextlib.contextmanager
def serve_app(tmp: Path, env_overrides: dict[str, str]) -> Iterator[str]:
    """`streamlit run app.py` with a clean environment plus `env_overrides`; yields its URL.

    On exit the server is stopped and its log must hold no traceback.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_BASE_URL")) and k not in ("OLLAMA_HOST", "APP_PASSWORD")}
    env.update(ROUTER_DOTENV=str(tmp / "no.env"), **env_overrides)
    port = free_port()
    log = open(tmp / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + (tmp / "streamlit.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        server_log = (tmp / "streamlit.log").read_text()
        assert "Traceback" not in server_log, server_log


def settle(page) -> None:
    """Wait until the script run is over (the running indicator is gone) and the page has painted."""
    from playwright.sync_api import expect

    page.wait_for_timeout(400)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    page.wait_for_timeout(300)


def no_exception(page, where: str) -> None:
    count = page.get_by_test_id("stException").count()
    assert count == 0, f"{where}: {page.get_by_test_id('stException').first.inner_text()}"
