"""OpenAI's chat.completions request and response shapes, and what the router cannot honour yet.

The request model accepts every field OpenAI documents (so a client gets a 400 naming the parameter instead of
a silent drop) and `unsupported()` says which of them this gateway refuses.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..types import Message


class GatewayError(Exception):
    """An answer in OpenAI's error shape: `{"error": {"message", "type", "code", "param"}}`."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", *, code: str | None = None,
                 param: str | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "code": self.code, "param": self.param}}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool | None = None


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions. `model`: "auto", "provider:model", or a model id / alias."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    user: str | None = None
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    # Documented by OpenAI, not honoured here: accepted only with their neutral values (see `unsupported`).
    n: int | None = None
    tools: list[Any] | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    functions: list[Any] | None = None
    function_call: Any = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    audio: Any = None
    modalities: list[str] | None = None
    response_format: Any = None
    stop: Any = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logit_bias: dict[str, Any] | None = None
    seed: int | None = None
    prediction: Any = None
    web_search_options: Any = None
    reasoning_effort: str | None = None
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    service_tier: str | None = None


# Parameter -> the values that ask for nothing beyond what the router does (None is always neutral).
NEUTRAL: dict[str, tuple[Any, ...]] = {
    "n": (1,), "tools": ([],), "tool_choice": ("none",), "parallel_tool_calls": (True, False), "functions": ([],),
    "function_call": ("none",), "logprobs": (False,), "top_logprobs": (0,), "audio": (), "modalities": (["text"],),
    "response_format": ({"type": "text"},), "stop": ([],), "top_p": (1, 1.0), "presence_penalty": (0, 0.0),
    "frequency_penalty": (0, 0.0), "logit_bias": ({},), "seed": (), "prediction": (), "web_search_options": (),
    "reasoning_effort": (), "metadata": (), "store": (False,), "service_tier": ("auto", "default"),
}
TEXT_ROLES = {"system", "user", "assistant", "developer"}


def unsupported(req: ChatCompletionRequest) -> GatewayError | None:
    """A 400 naming the first parameter the router cannot honour, or None."""
    for name in req.model_extra or {}:
        return GatewayError(400, f"Unrecognized request argument supplied: {name}", param=name,
                            code="unsupported_parameter")
    for name, neutral in NEUTRAL.items():
        value = getattr(req, name)
        if value is not None and value not in neutral:
            return GatewayError(400, f"The parameter `{name}` is not supported by this gateway yet "
                                     f"(the router would silently ignore it); remove it.", param=name,
                                code="unsupported_parameter")
    for i, m in enumerate(req.messages):
        if m.role not in TEXT_ROLES:
            return GatewayError(400, f"messages[{i}].role {m.role!r} is not supported (tools are not supported "
                                     "yet); use system, user or assistant.", param=f"messages[{i}].role",
                                code="unsupported_parameter")
        for extra in m.model_extra or {}:
            if m.model_extra[extra] is not None:
                return GatewayError(400, f"messages[{i}].{extra} is not supported by this gateway yet.",
                                    param=f"messages[{i}].{extra}", code="unsupported_parameter")
        if isinstance(m.content, list):
            for j, part in enumerate(m.content):
                if part.type != "text" or part.text is None:
                    return GatewayError(400, f"messages[{i}].content[{j}] is of type {part.type!r}; only text "
                                             "is supported (no images, audio or files yet).",
                                        param=f"messages[{i}].content[{j}].type", code="unsupported_parameter")
    if req.max_tokens is not None and req.max_completion_tokens is not None \
            and req.max_tokens != req.max_completion_tokens:
        return GatewayError(400, "Give max_tokens or max_completion_tokens, not two different values.",
                            param="max_completion_tokens")
    return None


def to_messages(req: ChatCompletionRequest) -> list[Message]:
    """The conversation as the router's Messages ("developer" is OpenAI's newer name for "system")."""
    out = []
    for m in req.messages:
        text = m.content if isinstance(m.content, str) else "".join(p.text or "" for p in m.content or [])
        out.append(Message("system" if m.role == "developer" else m.role, text))
    return out


def max_tokens(req: ChatCompletionRequest) -> int | None:
    return req.max_completion_tokens or req.max_tokens


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: str = "stop"
    logprobs: None = None


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """The non-streaming answer (streams send `chat.completion.chunk` events of the same fields)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    system_fingerprint: str | None = None


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ModelEntry(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelEntry]
