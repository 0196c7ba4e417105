"""A scripted vendor server on 127.0.0.1 over real HTTP, for adapter and router tests.

    with FakeVendor() as srv:
        srv.reply(json={...})                       # next request gets this
        srv.reply(status=429, json={...}, headers={"retry-after": "2"})
        srv.stream([b"data: {...}\\n\\n", ...], cut=True)   # chunked body, connection dropped before the end
        srv.hang()                                  # accept and never answer
        srv.requests[0].path / .headers / .json     # what the adapter sent

Scripted responses are served in order; `srv.default(...)` answers every request once the queue is empty.
`srv.route(path_prefix, handler)` answers matching paths with `handler(request) -> Reply`.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    chunks: list[bytes] | None = None  # streamed with chunked encoding
    cut: bool = False  # drop the connection before the final chunk
    delay: float = 0.0  # seconds before answering
    chunk_delay: float = 0.0
    hang: bool = False  # never answer


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return jsonlib.loads(self.body) if self.body else None


class FakeVendor:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._default: Reply | None = None
        self._routes: list[tuple[str, Callable[[Recorded], Reply]]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                rec = Recorded(self.command, parts.path, parse_qs(parts.query),
                               {k.lower(): v for k, v in self.headers.items()}, body)
                with vendor._lock:
                    vendor.requests.append(rec)
                reply = vendor._next(rec)
                vendor._serve(self, reply)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        class QuietServer(ThreadingHTTPServer):
            request_queue_size = 512  # bursts of hundreds of concurrent connections
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients that drop connections on purpose are part of the tests

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ---- scripting ---------------------------------------------------------------------
    def reply(self, status: int = 200, json: Any = None, **kwargs: Any) -> "FakeVendor":
        self._queue.append(Reply(status=status, json=json, **kwargs))
        return self

    def stream(self, chunks: list[bytes], *, content_type: str = "text/event-stream", **kwargs: Any) -> "FakeVendor":
        self._queue.append(Reply(chunks=chunks, content_type=content_type, **kwargs))
        return self

    def hang(self) -> "FakeVendor":
        self._queue.append(Reply(hang=True))
        return self

    def default(self, status: int = 200, json: Any = None, **kwargs: Any) -> "FakeVendor":
        self._default = Reply(status=status, json=json, **kwargs)
        return self

    def route(self, path_prefix: str, handler: Callable[[Recorded], Reply]) -> "FakeVendor":
        self._routes.append((path_prefix, handler))
        return self

    def reset(self) -> None:
        """Forget recorded requests and everything scripted (to share one server across tests)."""
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self._default = None
            self._routes.clear()

    def _next(self, rec: Recorded) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        for prefix, handler in self._routes:
            if rec.path.startswith(prefix):
                return handler(rec)
        if self._default is not None:
            return self._default
        return Reply(status=500, json={"error": {"message": "fake vendor: nothing scripted"}})

    # ---- serving -----------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.hang:
            self._stop.wait(30)
            h.close_connection = True
            return
        if reply.delay:
            self._stop.wait(reply.delay)
        h.send_response(reply.status)
        h.send_header("Content-Type", reply.content_type)
        for k, v in reply.headers.items():
            h.send_header(k, v)
        if reply.chunks is not None:
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            try:
                for chunk in reply.chunks:
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    h.wfile.flush()
                if reply.cut:
                    h.close_connection = True
                    h.connection.shutdown(2)
                    return
                h.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return
        body = reply.body if reply.body is not None else jsonlib.dumps(reply.json).encode()
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeVendor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def sse(*events: Any, event_names: list[str] | None = None, done: bool = False) -> list[bytes]:
    """Encode JSON payloads as SSE `data:` lines (optionally with `event:` names, and a final [DONE])."""
    out = []
    for i, payload in enumerate(events):
        data = payload if isinstance(payload, str) else jsonlib.dumps(payload)
        prefix = f"event: {event_names[i]}\n" if event_names else ""
        out.append(f"{prefix}data: {data}\n\n".encode())
    if done:
        out.append(b"data: [DONE]\n\n")
    return out


def ndjson(*objects: Any) -> list[bytes]:
    return [(jsonlib.dumps(o) + "\n").encode() for o in objects]
