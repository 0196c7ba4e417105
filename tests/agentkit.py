"""An OpenAI-compatible fake vendor (real HTTP) that answers with the system prompt it was sent, so a test can
see which agent version reached the model (its one-provider config is routerkit.echo_config), and `echo_app`: the
app (AppTest) over it."""

from __future__ import annotations

import pytest
from fakevendor import Recorded, Reply, sse
from routerkit import echo_config


def echo_system(request: Recorded) -> Reply:
    """Answer "system was: <the system prompt>" (streamed when asked)."""
    if request.path.endswith("/models"):
        return Reply(json={"data": [{"id": "echo-model"}]})
    system = next((m["content"] for m in request.json["messages"] if m["role"] == "system"), "(none)")
    text, usage = f"system was: {system}", {"prompt_tokens": 12, "completion_tokens": 6}
    if request.json.get("stream"):
        return Reply(chunks=sse({"model": "echo-model", "choices": [{"index": 0, "delta": {"content": text}}]},
                                {"model": "echo-model", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                                {"choices": [], "usage": usage}, done=True), content_type="text/event-stream")
    return Reply(json={"model": "echo-model", "usage": usage,
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": text}}]})


@pytest.fixture
def echo_app(app, app_env, tmp_path, vendor, monkeypatch):
    """The app (AppTest) over one echoing vendor (not demo mode), its cached router closed afterwards."""
    vendor.route("/", echo_system)
    folder = tmp_path / "vendor"
    folder.mkdir()
    monkeypatch.setenv("ROUTER_CONFIG", str(echo_config(folder, vendor.url)))
    monkeypatch.setenv("ROUTER_DEMO", "0")
    yield app
    from pages.shared import get_router

    get_router().close()  # the app's cached router holds pooled HTTP clients
