"""Helpers for gateway tests: fake vendors that answer any request (whole or streamed, with usage that
follows the request), a priced two-provider config, and the gateway served by uvicorn on 127.0.0.1
(in a thread, or as a `python -m router_core serve` process)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from fakevendor import FakeVendor, Recorded, Reply, sse
from routerkit import CONFIG, PREMIUM_KEY

ROOT = Path(__file__).resolve().parents[1]
CHEAP_TEXT = "The cheap model answers in a few short words."
PREMIUM_TEXT = "The premium model answers at some length, carefully."
# USD per 1M tokens: the cheap model $1 in / $2 out, the premium one $3 / $15.
PRICES = """
[prices."cheap:*"]
input = 1.0
output = 2.0

[prices."premium:*"]
input = 3.0
output = 15.0
"""


def _usage(rec: Recorded) -> tuple[int, int, list[str]]:
    """Prompt tokens ~ characters / 4; output = the canned answer's words, cut at max_tokens."""
    body = rec.json
    prompt = sum(len(m["content"]) if isinstance(m.get("content"), str) else 0 for m in body.get("messages", []))
    prompt += len(body.get("system") or "") if isinstance(body.get("system"), str) else 0
    text = CHEAP_TEXT if rec.path.endswith("/chat/completions") else PREMIUM_TEXT
    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1].rstrip()
    limit = body.get("max_tokens") or body.get("max_completion_tokens") or len(words)
    return prompt // 4 + 3, min(limit, len(words)), words[:limit]


def openai_handler(rec: Recorded) -> Reply:
    inp, out, words = _usage(rec)
    model = rec.json["model"]
    if not rec.json.get("stream"):
        return Reply(json={"id": "chatcmpl-f", "object": "chat.completion", "model": model, "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "".join(words)}}],
            "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}})
    chunks = [{"model": model, "choices": [{"index": 0, "delta": {"content": w}}]} for w in words]
    chunks.append({"model": model, "choices": [], "usage": {"prompt_tokens": inp, "completion_tokens": out}})
    return Reply(chunks=sse(*chunks, done=True), content_type="text/event-stream")


def anthropic_handler(rec: Recorded) -> Reply:
    inp, out, words = _usage(rec)
    if not rec.json.get("stream"):
        return Reply(json={"id": "msg_f", "type": "message", "role": "assistant", "model": rec.json["model"],
                           "content": [{"type": "text", "text": "".join(words)}], "stop_reason": "end_turn",
                           "usage": {"input_tokens": inp, "output_tokens": out}})
    events = [{"type": "message_start", "message": {"model": rec.json["model"],
                                                    "usage": {"input_tokens": inp, "output_tokens": 1}}}]
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}} for w in words]
    events += [{"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": out}},
               {"type": "message_stop"}]
    names = [e["type"] for e in events]
    return Reply(chunks=sse(*events, event_names=names), content_type="text/event-stream")


def script_vendors(cheap: FakeVendor, premium: FakeVendor) -> None:
    cheap.route("/v1/chat/completions", openai_handler)
    premium.route("/v1/messages", anthropic_handler)


def write_config(tmp_path: Path, cheap: FakeVendor, premium: FakeVendor, deadline: float = 30) -> Path:
    path = tmp_path / "router.toml"
    path.write_text(CONFIG.format(cheap=cheap.url, premium=premium.url, deadline=deadline, attempt_timeout=10,
                                  max_retries=0) + PRICES)
    return path


def gateway_env(config: Path, database_url: str) -> dict[str, str]:
    return {"ROUTER_CONFIG": str(config), "DATABASE_URL": database_url, "TEST_PREMIUM_KEY": PREMIUM_KEY,
            "ROUTER_DOTENV": "", "ROUTER_DEMO": "0"}


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread, for the length of a `with` block."""

    def __init__(self, app: Any) -> None:
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


class GatewayProcess:
    """`python -m router_core serve --port P [args]` in a child process with `env`."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROUTER_CONFIG")} | env
        self.proc = subprocess.Popen([sys.executable, "-m", "router_core", "serve", "--port", str(self.port), *args],
                                     cwd=ROOT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "GatewayProcess":
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the gateway exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the gateway process did not start")

    def __exit__(self, *exc: Any) -> None:
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=15)  # reads and closes both pipes
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=5)


def rows(store: Any, sql: str) -> list[dict[str, Any]]:
    """Rows of a query on the Router's store engine, as dicts."""
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql))]


def as_json(text: str) -> Any:
    return json.loads(text)
