"""Prometheus metrics of the event bus, and the registry of backlog probes.

Metrics are process-wide (prometheus_client's default registry) and served by `/metrics`
(api/observability/metrics.py). This module sits low, beside the bus, so that every layer that
has a queue to report (the hub here, webhook delivery elsewhere) can register a probe without
importing the API.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

log = logging.getLogger("volunteer_city.metrics")

EVENTS_PUBLISHED = Counter(
    "vc_events_published",
    "Events committed to the event log by this process, by type.",
    ["type"],
)
EVENTS_DELIVERED = Counter(
    "vc_events_delivered",
    "Events handed to a live subscriber of this process (one per subscriber and event).",
)

BacklogProbe = Callable[[], Awaitable[int]]
_backlog_probes: dict[str, BacklogProbe] = {}


def register_backlog_probe(queue: str, probe: BacklogProbe) -> None:
    """Reports a queue's length as `vc_backlog{queue=...}` at every scrape, e.g. webhook
    deliveries not yet made: `register_backlog_probe("webhooks", count_pending_deliveries)`.
    Registering the same name again replaces the probe."""
    _backlog_probes[queue] = probe


def unregister_backlog_probe(queue: str) -> None:
    _backlog_probes.pop(queue, None)


async def read_backlogs() -> dict[str, int]:
    """Every registered queue's length; a probe that fails is left out (and logged)."""
    lengths: dict[str, int] = {}
    for queue, probe in list(_backlog_probes.items()):
        try:
            lengths[queue] = int(await probe())
        except Exception as exc:  # a broken probe must not break the scrape
            log.warning("backlog probe %s failed: %s", queue, exc)
    return lengths
