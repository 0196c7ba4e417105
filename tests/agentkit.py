"""An OpenAI-compatible fake vendor (real HTTP) that answers with the system prompt it was sent, so a test can
see which agent version reached the model; and the one-provider config the agent app tests run on."""

from __future__ import annotations

from pathlib import Path

from fakevendor import Recorded, Reply, sse

CONFIG = """
[router]
baseline = "echo:echo-model"
[providers.echo]
kind = "openai_compatible"
base_url = "{url}/v1"
models = ["echo-model"]
[prices."echo:*"]
input = 1
output = 2
[routing]
TRIVIAL = ["echo:echo-model"]
SIMPLE = ["echo:echo-model"]
MEDIUM = ["echo:echo-model"]
COMPLEX = ["echo:echo-model"]
EXPERT = ["echo:echo-model"]
last_resort = "echo:echo-model"
"""


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


def echo_config(folder: Path, url: str) -> Path:
    path = folder / "router.toml"
    path.write_text(CONFIG.format(url=url))
    return path
