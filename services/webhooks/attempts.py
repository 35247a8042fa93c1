"""The outcome of one webhook attempt, written to its delivery: succeeded, to be retried after
a back-off, or given up once the retry window has passed (which disables the webhook)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus

log = logging.getLogger("volunteer_city.webhooks")
# The attempt log of a delivery keeps this many of the latest attempts (the count is complete).
MAX_LOGGED_ATTEMPTS = 50


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after the n-th failed attempt: doubling from `base` up to `cap`, with
    "equal jitter" (half fixed, half random), so that the webhooks of a receiver that was down
    do not all come back at the same moment."""

    base: float
    cap: float
    random: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** min(max(attempt, 1) - 1, 60))
        return ceiling / 2 + self.random() * ceiling / 2


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    latency_ms: int
    error: str


async def record_attempt(
    webhook: Webhook,
    delivery: WebhookDelivery,
    outcome: Outcome,
    now: datetime,
    retry_window: timedelta,
    backoff: Backoff,
) -> None:
    number = delivery.attempts + 1
    first = delivery.first_attempt_at or now
    entry = {
        "number": number,
        "at": now.isoformat(),
        "responseStatus": outcome.status,
        "latencyMs": outcome.latency_ms,
        "error": outcome.error,
    }
    updates: dict[str, Any] = {
        "attempts": number,
        "first_attempt_at": first,
        "last_attempt_at": now,
        "response_status": outcome.status,
        "latency_ms": outcome.latency_ms,
        "last_error": outcome.error,
        "attempt_log": [*delivery.attempt_log, entry][-MAX_LOGGED_ATTEMPTS:],
    }
    give_up = not outcome.ok and now - first >= retry_window
    if outcome.ok:
        updates |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": now}
        updates["next_attempt_at"] = None
    elif give_up:
        updates |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        updates["next_attempt_at"] = now + timedelta(seconds=backoff.delay(number))
    await WebhookDelivery.filter(id=delivery.id, status=DeliveryStatus.PENDING).update(**updates)
    if give_up:
        reason = f"Delivery {delivery.id} failed for {retry_window}; fix and re-enable."
        await Webhook.filter(id=webhook.id, status=WebhookStatus.ACTIVE).update(
            status=WebhookStatus.DISABLED, disabled_reason=reason[:200]
        )
        log.warning("webhook %s disabled: delivery %s given up", webhook.id, delivery.id)
