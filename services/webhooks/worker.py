"""Webhook delivery, run from the event log by a worker task in every API process.

Each webhook has a cursor into the event log. A round of the worker finds the webhooks that have
new events or a delivery due, and for each one:

1. claims it with a lease (a conditional UPDATE on the webhook row: lease free or expired), so
   that of several processes exactly one serves a webhook at a time;
2. scans the events after its cursor that it subscribed to (and its app may see), and writes a
   PENDING delivery per event together with the moved cursor, in one transaction;
3. sends its pending deliveries one at a time in event order, each as a signed POST; a failed one
   is retried with capped exponential back-off and blocks the later ones until it succeeds, or
   until its retry window has passed: then it is FAILED and the webhook DISABLED (re-enabling it
   resumes with the deliveries behind the failed one);
4. releases the lease.

Nothing lives only in memory: a process that dies leaves rows and, at worst, a lease that
expires, after which any process (or the same one restarted) carries on from the cursor and the
pending deliveries. A delivery whose answer was lost in a crash is sent again: delivery is at
least once, and receivers de-duplicate with the `VC-Delivery-Id` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.expressions import Q
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from models.events import Event
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus
from services.webhooks.attempts import Backoff, Outcome, record_attempt
from services.webhooks.event_types import kind_of
from services.webhooks.payloads import request_of
from services.webhooks.targets import GuardedTransport, TargetRefused
from settings import Settings
from subscriptions import events

log = logging.getLogger("volunteer_city.webhooks")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _owner_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class WebhookWorker:
    timeout: float = 10.0
    retry_window: timedelta = timedelta(days=3)
    backoff: Backoff = field(default_factory=lambda: Backoff(10.0, 3600.0))
    poll_seconds: float = 1.0
    concurrency: int = 8
    # Events scanned, and deliveries sent, per webhook and round.
    batch_size: int = 100
    # The worker's idea of now, for back-off and the retry window (tests move it on).
    clock: Callable[[], datetime] = utc_now
    # Whether targets may resolve to non-public addresses (services/webhooks/targets.py).
    allow_private_targets: bool = False
    owner: str = field(default_factory=_owner_name)
    _http: httpx.AsyncClient | None = None
    _task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookWorker:
        return cls(
            timeout=settings.webhook_timeout_seconds,
            retry_window=timedelta(seconds=settings.webhook_retry_window_seconds),
            backoff=Backoff(
                settings.webhook_backoff_base_seconds, settings.webhook_backoff_cap_seconds
            ),
            poll_seconds=settings.webhook_poll_seconds,
            concurrency=settings.webhook_concurrency,
            allow_private_targets=settings.webhook_allow_private_targets,
        )

    @property
    def lease(self) -> timedelta:
        # Longer than one send can take, so a live holder renews it before it runs out.
        return timedelta(seconds=2 * self.timeout + 5)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            # Let another process (or this one, restarted) take over at once.
            await Webhook.filter(lease_owner=self.owner).update(lease_owner=None, lease_until=None)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _run(self) -> None:
        while True:
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook round failed; trying again")
                busy = False
            if not busy:
                await asyncio.sleep(self.poll_seconds)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            # No redirects (a 3xx is a failed attempt: following one would send the body to a
            # URL nobody checked) and no proxies from the environment.
            self._http = httpx.AsyncClient(
                transport=GuardedTransport(self.allow_private_targets),
                timeout=self.timeout,
                follow_redirects=False,
                trust_env=False,
            )
        return self._http

    async def run_once(self) -> bool:
        """One round over every webhook with new events or a delivery due. True when it queued
        or sent anything, so the caller goes round again at once."""
        candidates = await self._candidates(self.clock())
        if not candidates:
            return False
        semaphore = asyncio.Semaphore(self.concurrency)

        async def serve(webhook_id: int) -> bool:
            async with semaphore:
                try:
                    return await self._serve(webhook_id)
                except Exception:
                    # One webhook's trouble (say, its database write failed) is not the others'.
                    log.exception("serving webhook %s failed; trying again", webhook_id)
                    return False

        # No transaction is open here: each webhook's work runs its own.
        return any(await asyncio.gather(*(serve(i) for i in candidates)))

    async def _candidates(self, now: datetime) -> list[int]:
        latest = await events.latest_id()
        behind: list[Any] = await Webhook.filter(
            status=WebhookStatus.ACTIVE, cursor__lt=latest
        ).values_list("id", flat=True)
        heads: list[Any] = (
            await WebhookDelivery.filter(
                status=DeliveryStatus.PENDING, webhook__status=WebhookStatus.ACTIVE
            )
            .annotate(head=Min("id"))
            .group_by("webhook_id")
            .values_list("head", flat=True)
        )
        due: list[Any] = (
            await WebhookDelivery.filter(id__in=list(heads), next_attempt_at__lte=now).values_list(
                "webhook_id", flat=True
            )
            if heads
            else []
        )
        return sorted({int(i) for i in (*behind, *due)})

    async def _serve(self, webhook_id: int) -> bool:
        if not await self._claim(webhook_id):
            return False
        try:
            webhook = (
                await Webhook.filter(id=webhook_id, status=WebhookStatus.ACTIVE)
                .select_related("client")
                .first()
            )
            if webhook is None:
                return False
            queued = await self._scan(webhook)
            sent = await self._send_queue(webhook)
            return queued or sent
        finally:
            await Webhook.filter(id=webhook_id, lease_owner=self.owner).update(
                lease_owner=None, lease_until=None
            )

    async def _claim(self, webhook_id: int) -> bool:
        now = utc_now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        claimed = await Webhook.filter(free, id=webhook_id, status=WebhookStatus.ACTIVE).update(
            lease_owner=self.owner, lease_until=now + self.lease
        )
        return bool(claimed)

    async def _scan(self, webhook: Webhook) -> bool:
        """Queues the webhook's events after its cursor; returns whether it queued any."""
        latest = await events.latest_id()
        if latest <= webhook.cursor:
            return False
        scopes = webhook.client.scopes if webhook.client.enabled else []
        types = [t for t in webhook.event_types if (kind := kind_of(t)) and kind.visible_to(scopes)]
        rows: list[tuple[int, str]] = []
        if types:
            rows = await (
                Event.filter(id__gt=webhook.cursor, id__lte=latest, type__in=types)
                .order_by("id")
                .limit(self.batch_size)
                .values_list("id", "type")
            )
        cursor = int(rows[-1][0]) if len(rows) == self.batch_size else latest
        now = self.clock()
        async with in_transaction():
            moved = await Webhook.filter(id=webhook.id, cursor=webhook.cursor).update(cursor=cursor)
            if moved and rows:
                await WebhookDelivery.bulk_create(
                    [
                        WebhookDelivery(
                            webhook_id=webhook.id,
                            event_id=event_id,
                            event_type=event_type,
                            next_attempt_at=now,
                        )
                        for event_id, event_type in rows
                    ]
                )
        webhook.cursor = cursor
        return bool(moved and rows)

    async def _send_queue(self, webhook: Webhook) -> bool:
        sent = False
        for _ in range(self.batch_size):
            now = self.clock()
            head = (
                await WebhookDelivery.filter(webhook_id=webhook.id, status=DeliveryStatus.PENDING)
                .order_by("id")
                .first()
            )
            if head is None or (head.next_attempt_at is not None and head.next_attempt_at > now):
                break
            renewed = await Webhook.filter(
                id=webhook.id, lease_owner=self.owner, status=WebhookStatus.ACTIVE
            ).update(lease_until=utc_now() + self.lease)
            if not renewed:
                break  # disabled meanwhile, or the lease was lost
            sent = True
            if not await self._attempt(webhook, head):
                break  # the later deliveries wait for this one
        return sent

    async def _attempt(self, webhook: Webhook, delivery: WebhookDelivery) -> bool:
        event = await Event.get(id=delivery.event_id)
        number = delivery.attempts + 1
        url, body, headers = request_of(
            webhook, delivery, event, number, int(time.time()), self.clock()
        )
        status: int | None = None
        error = ""
        started = time.perf_counter()
        try:
            response = await self._client().post(url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except TargetRefused as exc:
            error = str(exc)[:300]
        except httpx.TimeoutException:
            error = f"No answer within {self.timeout:g} s."
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        latency = round((time.perf_counter() - started) * 1000)
        ok = status is not None and 200 <= status < 300
        outcome = Outcome(ok, status, latency, error)
        await record_attempt(
            webhook, delivery, outcome, self.clock(), self.retry_window, self.backoff
        )
        return ok
