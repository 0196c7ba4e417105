"""Prometheus metrics of the gateway (text format at GET /metrics), one registry per app.

With several worker processes (`serve --workers N`) the values live in files under
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode), so whichever worker answers a scrape
reports the requests of all of them.
"""

from __future__ import annotations

import os

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

    def answered(self, c: Completion, org: str | None, status: str = "ok") -> None:
        labels = (c.provider, c.model, c.complexity.value, org or "")
        self.requests.labels(*labels, status).inc()
        self.tokens.labels(*labels, "input").inc(c.input_tokens)
        self.tokens.labels(*labels, "output").inc(c.output_tokens)
        if c.cost_usd:
            self.cost.labels(*labels).inc(c.cost_usd)
        if c.saved_usd and c.saved_usd > 0:
            self.saved.labels(*labels).inc(c.saved_usd)
        self.latency.labels(*labels).observe(c.latency_ms / 1000)

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
