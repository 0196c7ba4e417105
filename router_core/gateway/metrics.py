"""Prometheus metrics of the gateway (text format at GET /metrics), one registry per app.

With several worker processes (`serve --workers N`) the values live in files under
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode), so whichever worker answers a scrape
reports the requests of all of them.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ..types import Completion

LABELS = ("provider", "model", "tier", "org")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class GatewayMetrics:
    """Requests, tokens, cost, savings and latency by provider, model, tier and org; refusals by reason."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("switchboard_requests", "Chat completion requests answered or failed",
                                (*LABELS, "status"), registry=r)
        self.tokens = Counter("switchboard_tokens", "Tokens billed", (*LABELS, "direction"), registry=r)
        self.cost = Counter("switchboard_cost_usd", "Cost in USD", LABELS, registry=r)
        self.saved = Counter("switchboard_saved_usd", "Saved against the baseline, USD", LABELS, registry=r)
        self.latency = Histogram("switchboard_request_latency_seconds", "Latency of answered requests",
                                 LABELS, buckets=LATENCY_BUCKETS, registry=r)
        self.refused = Counter("switchboard_refused", "Requests refused before routing", ("reason", "org"),
                               registry=r)
        # An answer's children by label values: `.labels()` takes a lock and builds its key on every call, six
        # times an answer; these are looked up once per label set (as long-lived as the metrics' own children).
        self._answered: dict[tuple[str, ...], _Answered] = {}

    def answered(self, c: Completion, org: str | None) -> None:
        labels = (c.provider, c.model, c.complexity.value, org or "")
        children = self._answered.get(labels)
        if children is None:
            children = self._answered[labels] = _Answered(self, labels)
        children.requests.inc()
        children.input_tokens.inc(c.input_tokens)
        children.output_tokens.inc(c.output_tokens)
        if c.cost_usd:
            children.cost.inc(c.cost_usd)
        if c.saved_usd and c.saved_usd > 0:
            children.saved.inc(c.saved_usd)
        children.latency.observe(c.latency_ms / 1000)

    def failed(self, status: str, org: str | None, provider: str = "", model: str = "", tier: str = "") -> None:
        self.requests.labels(provider, model, tier, org or "", status).inc()

    def refusal(self, reason: str, org: str | None) -> None:
        self.refused.labels(reason, org or "").inc()

    def render(self) -> bytes:
        if os.environ.get(MULTIPROC_ENV):
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)


class _Answered:
    """The children an answered request with one label set increments, each made on first use (so a series
    appears in /metrics only once something was counted in it, as with `.labels()` at every call)."""

    def __init__(self, metrics: GatewayMetrics, labels: tuple[str, ...]) -> None:
        self.metrics, self.labels = metrics, labels

    @cached_property
    def requests(self) -> Any:
        return self.metrics.requests.labels(*self.labels, "ok")

    @cached_property
    def input_tokens(self) -> Any:
        return self.metrics.tokens.labels(*self.labels, "input")

    @cached_property
    def output_tokens(self) -> Any:
        return self.metrics.tokens.labels(*self.labels, "output")

    @cached_property
    def cost(self) -> Any:
        return self.metrics.cost.labels(*self.labels)

    @cached_property
    def saved(self) -> Any:
        return self.metrics.saved.labels(*self.labels)

    @cached_property
    def latency(self) -> Any:
        return self.metrics.latency.labels(*self.labels)
