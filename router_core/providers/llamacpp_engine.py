"""The llama.cpp engine behind the `llamacpp` kind: one `xllamacpp.Server` per process and model file.

Started lazily from any thread or event loop, shared by every provider instance, stopped at exit (cancelling
requests still in flight first). A missing, corrupt or unloadable model file is a "problem" with its fix.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..capacity import Slots
from ..errors import register_secret
from ..model_files import MODEL_FILENAME, MODEL_SIZE, PULL_COMMAND, REPO_ROOT

log = logging.getLogger(__name__)
_leaked: list[Any] = []  # engines that could not stop cleanly at exit (kept alive so no destructor blocks)


class EngineError(Exception):
    """The engine could not start; the message says why and how to fix it."""


def resolve_model_path(model_path: str | os.PathLike[str]) -> Path:
    """`~` expanded; a relative path is relative to the repository root (where `data/` lives)."""
    path = Path(model_path).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _fix(path: Path) -> str:
    """The command that fixes a bad model file (and, for a custom file, the other way out)."""
    if path.name == MODEL_FILENAME:
        return f"Run `{PULL_COMMAND}` to fetch a good copy."
    return f"Point model_path at a valid GGUF file, or run `{PULL_COMMAND}` and use the default model."


def model_file_problem(path: Path) -> str | None:
    """A cheap check (no hashing): missing, not a GGUF file, or the default model with the wrong size."""
    if not path.is_file():
        return f"model file {path} is missing. Run `{PULL_COMMAND}` to download it (~98 MB)."
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        size = path.stat().st_size
    except OSError as exc:
        return f"model file {path} cannot be read ({exc.strerror}). {_fix(path)}"
    if magic != b"GGUF":
        return f"model file {path} is not a GGUF model (corrupt or a different file). {_fix(path)}"
    if path.name == MODEL_FILENAME and size != MODEL_SIZE:
        return (f"model file {path} has {size:,} bytes instead of {MODEL_SIZE:,} (incomplete or corrupt). "
                f"Run `{PULL_COMMAND}`.")
    return None


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Engine:
    """One llama.cpp server (xllamacpp.Server) for one model file, started on first use, thread-safe."""

    _registry: dict[tuple[str, int, int, int], "Engine"] = {}
    _registry_lock = threading.Lock()
    _atexit_registered = False

    def __init__(self, path: Path, *, ctx_size: int, threads: int, parallel: int) -> None:
        self.path = path
        self.ctx_size = ctx_size
        self.threads = threads
        self.parallel = parallel
        self.slots = Slots(parallel)  # requests the router lets in at once (llama.cpp would queue the rest)
        self.api_key = "sb-local-" + secrets.token_urlsafe(24)  # the engine's HTTP port answers only us
        register_secret(self.api_key)
        self.base_url: str | None = None
        self.load_ms: float | None = None
        self._server: Any = None
        self._lock = threading.Lock()
        self._failure: tuple[tuple[int, int] | None, str] | None = None  # (file signature, message)
        self._inflight: dict[object, tuple[asyncio.AbstractEventLoop, asyncio.Task | None]] = {}
        self._inflight_lock = threading.Lock()
        self._closing = False
        self._cancelled: set[object] = set()

    @classmethod
    def get(cls, path: Path, *, ctx_size: int, threads: int, parallel: int = 1) -> "Engine":
        key = (str(path.resolve()), ctx_size, threads, parallel)
        with cls._registry_lock:
            engine = cls._registry.get(key)
            if engine is None:
                engine = cls._registry[key] = cls(path, ctx_size=ctx_size, threads=threads, parallel=parallel)
                if not cls._atexit_registered:
                    atexit.register(cls.shutdown_all)
                    cls._atexit_registered = True
            return engine

    @classmethod
    def shutdown_all(cls) -> None:
        """Stop every engine (registered with atexit; safe to call more than once)."""
        with cls._registry_lock:
            engines = list(cls._registry.values())
        for engine in engines:
            engine.close()

    @property
    def running(self) -> bool:
        return self._server is not None and self.base_url is not None

    def problem(self) -> str | None:
        """Why this engine cannot run (missing/corrupt file, a failed load of this very file), or None."""
        if self._server is not None:
            return None
        problem = model_file_problem(self.path)
        if problem:
            return problem
        failure = self._failure
        if failure is not None and failure[0] == _signature(self.path):
            return failure[1]
        return None

    def start(self) -> str:
        """Load the model (once) and return the engine's base URL; raises `EngineError` with the fix."""
        if self._server is not None and self.base_url:
            return self.base_url
        with self._lock:
            if self._server is not None and self.base_url:
                return self.base_url
            if self._closing:
                raise EngineError("the local engine is shutting down.")
            problem = self.problem()
            if problem:
                raise EngineError(problem)
            signature = _signature(self.path)
            try:
                import xllamacpp
            except ImportError as exc:
                raise EngineError(f"the local engine is not installed ({exc}). Run `pip install xllamacpp`.") from None
            params = xllamacpp.CommonParams()
            params.model.path = str(self.path)
            params.n_parallel = self.parallel
            params.n_ctx = self.ctx_size * self.parallel  # each slot gets the full ctx_size
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.n_threads_http = max(8, self.parallel + 4)  # keep-alive connections each hold an HTTP thread
            params.hostnames = ["127.0.0.1"]
            params.port = 0
            params.api_keys = [self.api_key]
            params.model_alias = {self.path.stem}
            params.verbosity = 0
            params.ui = False
            params.endpoint_slots = False
            start = time.perf_counter()
            try:
                server = xllamacpp.Server(params)
                address = str(server.listening_address).rstrip("/")
            except Exception as exc:  # llama.cpp reports a bad file as "Failed to init server"
                message = (f"the local engine could not load {self.path} ({exc}): the file is corrupt or not a "
                           f"model llama.cpp supports. {_fix(self.path)}")
                self._failure = (signature, message)
                raise EngineError(message) from None
            self.load_ms = (time.perf_counter() - start) * 1000
            self.base_url, self._failure = address, None
            self._server = server  # last: `running` turns true only once base_url is set
            return address

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Mark one request in flight (from inside its task), so `close` can cancel it first."""
        token, task = object(), asyncio.current_task()
        with self._inflight_lock:
            self._inflight[token] = (asyncio.get_running_loop(), task)
        try:
            yield
        except asyncio.CancelledError:
            if token in self._cancelled and task is not None and task.uncancel() == 0:
                raise EngineError("the local engine shut down while this request was running.") from None
            raise
        finally:
            with self._inflight_lock:
                self._inflight.pop(token, None)
                self._cancelled.discard(token)

    def close(self, drain_s: float = 5.0) -> None:
        """Stop the engine. Requests still in flight are cancelled first: llama.cpp's destructor waits
        for its HTTP handlers, and a handler whose client still waits would wait forever."""
        with self._lock:
            if self._server is None:
                return
            self._closing = True
            try:
                with self._inflight_lock:
                    inflight = list(self._inflight.values())
                    self._cancelled.update(self._inflight)
                for loop, task in inflight:
                    if task is not None:
                        try:
                            loop.call_soon_threadsafe(task.cancel)  # closes its connection; llama.cpp stops
                        except RuntimeError:  # that loop is already closed
                            pass
                deadline = time.monotonic() + drain_s
                while self._inflight and time.monotonic() < deadline:
                    time.sleep(0.02)
                server, self._server = self._server, None
                self.base_url = None
                if self._inflight:  # a caller that cannot be cancelled: never block the exit on it
                    log.warning("local engine: %d request(s) still running at shutdown; leaving it to the OS",
                                len(self._inflight))
                    _leaked.append(server)
                    return
                del server  # ~Server stops the engine's loop and HTTP threads
            finally:
                self._closing = False
