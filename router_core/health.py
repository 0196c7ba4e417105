"""Active health checks: each provider's listing endpoint (no tokens spent), recorded as history."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from .errors import redact
from .providers import Provider
from .types import Health

log = logging.getLogger("router_core")


async def check_providers(providers: Mapping[str, Provider], store=None) -> dict[str, Health]:
    """Check every provider at once; store each result when a store is given (failures to store are logged),
    marked simulated for a simulated vendor."""
    names = list(providers)
    results = await asyncio.gather(*(providers[n].health() for n in names))
    checked = dict(zip(names, results))
    if store is not None:
        for name, health in checked.items():
            try:
                await asyncio.to_thread(store.record_health, name, health.reachable, health.latency_ms, health.detail,
                                        simulated=bool(providers[name].simulated))
            except Exception as exc:
                log.warning("health history not saved: %s", redact(str(exc)))
    return checked
