"""The Provider base class: one pooled httpx client, error mapping, timing, streaming plumbing.

An adapter for a wire format subclasses `Provider` and fills in the vendor-specific hooks:
`auth_headers`, `chat_request`, `parse_response`, `read_stream`, `models_path`, `parse_models`
and (optionally) `error_details`. Everything else — HTTP, timeouts, mapping failures to
`ProviderError`, Retry-After, timing, cut-stream detection — lives here once.
"""

from __future__ import annotations

import datetime
import asyncio
import email.utils
import http.cookiejar
import json
import re
import threading
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from ..capacity import Slots
from ..errors import ProviderError, register_secret
from ..types import Health, Message, ProviderResult, Usage
from .parsing import int_field, sse_events, system_and_turns  # noqa: F401  (still importable from here)
from .wire import DEFAULT_TIMEOUT, DemoSim

MAX_RESPONSE_BYTES = 8 * 2**20
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429, 498, 500, 502, 503, 504, 529})
_MASKED_KEY = re.compile(r"\S*\*{3,}\S*")  # a key echoed with its middle starred out


@dataclass(frozen=True)
class StreamEnd:
    """The last item an adapter's `read_stream` yields: the stream finished properly."""

    usage: Usage
    model: str = ""
    finish_reason: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """An HTTP request an adapter wants sent: path relative to the base URL, JSON body, query."""

    path: str
    body: dict[str, Any]
    params: dict[str, str] | None = None


def _aiohttp_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """aiohttp under httpx (faster pooling); imported on the first real client so reading facts stays light."""
    import aiohttp
    from httpx_aiohttp import AiohttpTransport
    from httpx_aiohttp import transport as aiohttp_transport

    # httpx-aiohttp maps every aiohttp connection error to ConnectTimeout, so "connection refused" would read
    # as a timeout. Mapping the general case to NetworkError lets the specific ones (ConnectError for a
    # refused connection, timeouts for timeouts) win, as the package's most-specific-match rule intends.
    aiohttp_transport.AIOHTTP_EXC_MAP[aiohttp.ClientConnectionError] = httpx.NetworkError
    return AiohttpTransport(limits=limits)


_DEFAULT_HEADERS = {"accept": "*/*", "accept-encoding": "gzip, deflate",
                    "user-agent": f"python-httpx/{httpx.__version__}"}  # what an httpx client sends


class LoopHttp:
    """One event loop's pooled transport and a client over it (same pool), with the request timeouts."""

    def __init__(self, client: httpx.AsyncClient, transport: httpx.AsyncBaseTransport) -> None:
        self.client, self.transport = client, transport
        self.base_url = str(client.base_url).rstrip("/")
        self.timeout = client.timeout.as_dict()


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: vendors' APIs need no cookies, and keeping the ones some edges set
    would carry state from one call to the next (and parsing them costs every response time)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


class Provider:
    """Base class of every adapter. See the module docstring for the hooks a subclass provides."""

    # The kind's facts, declared once on its class; config, pricing and demo mode read them from the registry.
    kind: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    key_envs: ClassVar[tuple[str, ...]] = ()  # environment variables holding the key, read in this order
    base_url_env: ClassVar[str | None] = None  # environment variable that overrides the base URL
    host_without_scheme: ClassVar[bool] = False  # the base URL may be "host:port" (http:// is assumed)
    needs_key: ClassVar[bool] = True
    genai_prices_id: ClassVar[str | None] = None  # genai-prices provider id; None: find the model by id alone
    local: ClassVar[bool] = False  # runs on this machine for free: never priced from a cloud table
    demo: ClassVar[DemoSim | None] = None  # what demo mode answers in its place; None: never simulated
    uses_model_file: ClassVar[bool] = False  # answers from a model file on this disk (its path is shown)
    simulated: bool = False  # True when a demo transport answers instead of the vendor
    # The usual context window of the kind's models in tokens (None: unknown); a model's `context_tokens` in the
    # config wins. `answer_reserve`: tokens kept free for the answer when a request sets no max_tokens.
    default_context_tokens: ClassVar[int | None] = None
    answer_reserve: ClassVar[int] = 1024
    # A kind that knows its own capacity names the option that sets it; its adapter then has `slots`.
    capacity_option: ClassVar[str | None] = None
    slots: Slots | None = None  # requests it serves at once, shared by every adapter of the same engine

    def __init__(
        self,
        *,
        name: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        key_env: str | None = None,
    ) -> None:
        self.name = name or self.kind
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._urls: dict[str, httpx.URL] = {}  # "base_url/path" -> its parsed URL
        self._api_key = api_key or None
        register_secret(self._api_key)
        self.timeout = timeout
        self._transport = transport
        self._http: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopHttp] = weakref.WeakKeyDictionary()
        self._http_lock = threading.Lock()
        self.key_env: str | None = key_env or (self.key_envs[0] if self.key_envs else None)

    @property
    def context_tokens(self) -> int | None:
        """This adapter's context window in tokens (the kind's usual one unless the adapter knows better)."""
        return self.default_context_tokens

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url!r})"

    # ---- hooks for subclasses -------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request (never logged)."""
        return {}

    def chat_request(
        self, messages: Sequence[Message], *, model: str, max_tokens: int | None,
        temperature: float | None, stream: bool,
    ) -> ChatRequest:
        raise NotImplementedError

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        """Turn a successful JSON body into a result (latency is filled in by the caller).

        Raise `ProviderError` for an HTTP-200 answer without usable text (refusal, block, cap).
        """
        raise NotImplementedError

    def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        """Yield text deltas from the response lines, then one `StreamEnd` when the stream completed."""
        raise NotImplementedError

    models_path: ClassVar[str] = "/models"
    models_query: ClassVar[dict[str, str] | None] = None  # query of every model-list page (e.g. a page size)
    max_model_pages: ClassVar[int] = 5

    def parse_models(self, data: Any) -> list[str]:
        raise NotImplementedError

    def next_models_query(self, data: Any) -> dict[str, str] | None:
        """Query for the model-list page after `data` (e.g. a page token), or None when `data` was the last."""
        return None

    def error_details(self, data: Any) -> tuple[str, str]:
        """(message, code) from a vendor error body; code is the vendor's type/code/status."""
        if isinstance(data, dict):
            err = data.get("error", data)
            if isinstance(err, dict):
                code = str(err.get("code") or err.get("type") or err.get("status") or "")
                return str(err.get("message") or ""), code
            if isinstance(err, str):
                return err, ""
        return "", ""

    def classify_error(self, status: int, message: str, code: str, data: Any) -> tuple[str, bool]:
        """(kind, retryable) for an HTTP error. Subclasses refine this for vendor quirks."""
        text = f"{code} {message}".lower()
        # "billing" only in the code: OpenAI's free-tier rate-limit messages link to the billing page
        if "insufficient_quota" in text or "billing" in code.lower() or status == 402:
            return "quota", False
        if status in (401, 403) or "api_key_invalid" in text or "invalid_api_key" in text or "api key not valid" in text:
            return "auth", False
        if status == 404:
            return "not_found", False
        if status == 429:
            return "rate_limit", True
        if status == 529 or "overloaded" in text:
            return "overloaded", True
        if status in RETRYABLE_STATUSES:
            return "server", True
        return "bad_request", False

    def retry_after_from(self, response: httpx.Response, data: Any) -> float | None:
        """Seconds to wait before retrying, from `retry-after-ms` or `retry-after` (seconds or HTTP date)."""
        ms = response.headers.get("retry-after-ms")
        if ms:
            try:
                return max(0.0, float(ms) / 1000)
            except ValueError:
                pass
        value = response.headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000" means UTC
            when = when.replace(tzinfo=datetime.timezone.utc)
        return max(0.0, when.timestamp() - time.time())

    # ---- shared machinery -------------------------------------------------------------------
    @property
    def configured(self) -> bool:
        """A provider that needs a key and has none is not configured (not an error)."""
        return bool(self._api_key) or not self.needs_key

    def _new_http(self) -> LoopHttp:
        """A pooled transport, and a client over it, for the running event loop."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        transport = self._transport or _aiohttp_transport(limits)
        return LoopHttp(httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout(), limits=limits,
                                          transport=transport, cookies=_NoCookies()), transport)

    def _loop_http(self) -> LoopHttp:
        """This event loop's transport and client (connections cannot cross loops; a new base URL, new ones)."""
        loop = asyncio.get_running_loop()
        with self._http_lock:
            http = self._http.get(loop)
            if http is None or http.client.is_closed or http.base_url != self.base_url:
                http = self._http[loop] = self._new_http()
            return http

    @property
    def client(self) -> httpx.AsyncClient:
        """The pooled client of the running event loop (for plain calls like a health check)."""
        return self._loop_http().client

    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))

    def _url(self, path: str) -> httpx.URL:
        """The absolute URL of `path` under the base URL, parsed once."""
        text = f"{self.base_url}/{path.lstrip('/')}"
        url = self._urls.get(text)
        if url is None:
            url = self._urls[text] = httpx.URL(text)
        return url

    async def _open(self, method: str, path: str, body: Any = None,
                    params: dict[str, str] | None = None) -> httpx.Response:
        """Send one request straight through this loop's transport; the response is open (the caller closes it).
        (An AsyncClient's per-call work, joining the URL, merging headers and cookies, auth and redirect hooks, is
        nothing a vendor API needs, and cost a third of the request thread's time.)"""
        http = self._loop_http()
        request = httpx.Request(method, self._url(path), json=body, params=params,
                                headers={**_DEFAULT_HEADERS, **self.auth_headers()},
                                extensions={"timeout": http.timeout})
        response = await http.transport.handle_async_request(request)
        response.request = request
        return response

    @asynccontextmanager
    async def _exchange(self, method: str, path: str, *, body: Any = None,
                        params: dict[str, str] | None = None) -> AsyncIterator[httpx.Response]:
        """`_open`, its response closed after the block (a stream)."""
        response = await self._open(method, path, body, params)
        try:
            yield response
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close this loop's pooled client and transport."""
        with self._http_lock:
            http = self._http.pop(asyncio.get_running_loop(), None)
        if http is not None:
            await http.client.aclose()

    def error(self, message: str, **kwargs: Any) -> ProviderError:
        return ProviderError(f"{self.name}: {message}", provider=self.name, **kwargs)

    def _missing_key_error(self) -> ProviderError:
        return self.error(f"no API key. Set {self.key_env} in the environment or .env.",
                          kind="not_configured")

    def _transport_error(self, exc: Exception) -> ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            return self.error(f"timed out after {self.timeout:g}s ({type(exc).__name__}).",
                              retryable=True, kind="timeout")
        if isinstance(exc, httpx.ConnectError):
            return self.error(f"could not connect to {self.base_url}. Is the server running and the URL right?",
                              retryable=True, kind="connection")
        return self.error(f"connection failed ({type(exc).__name__}).", retryable=True, kind="connection")

    def _http_error(self, response: httpx.Response, body: bytes) -> ProviderError:
        status = response.status_code
        data: Any = None
        try:
            data = json.loads(body)
        except ValueError:
            pass
        message, code = self.error_details(data)
        kind, retryable = self.classify_error(status, message, code, data)
        message = message.strip().rstrip(".")
        if kind == "auth":
            hint = f" Check {self.key_env}." if self.key_env else ""
            message = _MASKED_KEY.sub("[redacted]", message)  # vendors echo the rejected key half-masked
            text = f"authentication failed (HTTP {status}): {message.rstrip('.') or 'key rejected'}.{hint}"
        elif message or code:
            text = f"HTTP {status}{' ' + code if code else ''}{': ' + message if message else ''}."
        else:
            snippet = body[:120].decode("utf-8", "replace").strip().replace("\n", " ")
            shape = "a non-JSON body" if data is None else "an unrecognised error body"
            text = f"HTTP {status} with {shape} ({snippet!r})."
        return self.error(text, status=status, retryable=retryable, kind=kind,
                          retry_after=self.retry_after_from(response, data) if retryable else None)

    def _decode_json(self, response: httpx.Response, body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            kind = "an HTML page" if body.lstrip()[:1] == b"<" else "malformed JSON"
            raise self.error(f"returned {kind} instead of JSON (HTTP {response.status_code}). "
                             f"Check the base URL {self.base_url}.", status=response.status_code,
                             kind="bad_response") from None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The whole body, refusing one above MAX_RESPONSE_BYTES (a chat answer is never that big)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise self.error(f"sent a response larger than {MAX_RESPONSE_BYTES // 2**20} MB (HTTP "
                                 f"{response.status_code}); refusing to read the rest.", status=response.status_code,
                                 kind="bad_response")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _send_json(self, method: str, path: str, *, body: Any = None,
                         params: dict[str, str] | None = None) -> Any:
        if self.needs_key and not self._api_key:
            raise self._missing_key_error()
        try:  # no context manager: a whole answer is the hot path, and one costs ~5% of it
            response = await self._open(method, path, body, params)
            try:
                raw = await self._read_capped(response)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        if response.status_code >= 400:
            raise self._http_error(response, raw)
        return self._decode_json(response, raw)

    # ---- the public API every adapter shares -------------------------------------------------
    async def complete(self, messages: Sequence[Message], *, model: str, max_tokens: int | None = None,
                       temperature: float | None = None) -> ProviderResult:
        """One chat completion. Failures raise `ProviderError`; never retries on its own."""
        request = self.chat_request(messages, model=model, max_tokens=max_tokens,
                                    temperature=temperature, stream=False)
        start = time.perf_counter()
        data = await self._send_json("POST", request.path, body=request.body, params=request.params)
        latency = (time.perf_counter() - start) * 1000
        try:
            result = self.parse_response(data, model)
        except ProviderError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise self.error(f"returned an answer in an unexpected shape ({type(exc).__name__}: {exc}).",
                             kind="bad_response") from None
        return ProviderResult(result.text, result.model or model, result.usage, latency, latency,
                              result.finish_reason)

    async def stream(self, messages: Sequence[Message], *, model: str, max_tokens: int | None = None,
                     temperature: float | None = None) -> AsyncIterator[str | ProviderResult]:
        """Yield text deltas, then one final `ProviderResult` with the whole text and the usage.

        A stream that stops before the vendor's end marker raises `ProviderError(kind="stream_cut")`.
        """
        if self.needs_key and not self._api_key:
            raise self._missing_key_error()
        request = self.chat_request(messages, model=model, max_tokens=max_tokens,
                                    temperature=temperature, stream=True)
        start = time.perf_counter()
        ttft: float | None = None
        parts: list[str] = []
        end: StreamEnd | None = None
        try:
            async with self._exchange("POST", request.path, body=request.body, params=request.params) as response:
                if response.status_code >= 400:
                    raise self._http_error(response, await response.aread())
                async for item in self.read_stream(response.aiter_lines(), model):
                    if isinstance(item, StreamEnd):
                        end = item
                        break
                    if item:
                        if ttft is None:
                            ttft = (time.perf_counter() - start) * 1000
                        parts.append(item)
                        yield item
        except httpx.HTTPError as exc:
            if parts or isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
                raise self.error(f"the stream was cut off after {len(''.join(parts))} characters "
                                 f"({type(exc).__name__}).", retryable=True, kind="stream_cut") from None
            raise self._transport_error(exc) from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise self.error(f"sent a stream event in an unexpected shape ({type(exc).__name__}).",
                             kind="bad_response") from None
        if end is None:
            raise self.error(f"the stream ended without its end marker after {len(''.join(parts))} "
                             "characters; the answer is incomplete.", retryable=True, kind="stream_cut")
        text = "".join(parts)
        self.check_text(text, end.finish_reason)
        latency = (time.perf_counter() - start) * 1000
        yield ProviderResult(text, end.model or model, end.usage, latency, ttft if ttft is not None else latency,
                             end.finish_reason)

    def check_text(self, text: str, finish_reason: str | None) -> None:
        """Refuse an answer with no usable text, saying why (length cap, filter, ...)."""
        if text.strip():
            return
        reason = (finish_reason or "").lower()
        if reason in ("length", "max_tokens"):
            raise self.error("the output cap was used up before any answer text (reasoning ate the budget). "
                             "Raise max_tokens.", kind="length")
        if reason in ("content_filter", "safety"):
            raise self.error("the answer was blocked by the vendor's content filter.", kind="safety")
        raise self.error(f"returned an empty answer (finish reason: {finish_reason or 'none'}).",
                         kind="bad_response")

    async def list_models(self) -> list[str]:
        """Model ids the endpoint offers (spends no tokens), following at most `max_model_pages` pages."""
        models: list[str] = []
        query = self.models_query
        for _ in range(self.max_model_pages):
            data = await self._send_json("GET", self.models_path, params=query)
            try:
                models += self.parse_models(data)
                page = self.next_models_query(data)
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                raise self.error(f"returned a model list in an unexpected shape ({type(exc).__name__}).",
                                 kind="bad_response") from None
            if not page:
                break
            query = {**(self.models_query or {}), **page}
        return models

    async def health(self) -> Health:
        """Reachability through the listing endpoint: no tokens spent."""
        start = time.perf_counter()
        try:
            models = await self.list_models()
        except ProviderError as exc:
            latency = (time.perf_counter() - start) * 1000 if exc.status else None
            return Health(False, latency, str(exc))
        latency = (time.perf_counter() - start) * 1000
        return Health(True, latency, f"{len(models)} models", tuple(models))
