"""Turning the event log into notifications and sending them, in a worker task of every API
process.

A round of the worker:

1. scans: takes the lease on the one cursor row (a conditional UPDATE: free, expired or its
   own), reads the events after the cursor whose types notify someone (`recipients.py`), and in
   one transaction moves the cursor on (conditionally on where it was) and writes, per event and
   recipient, the inbox entry, an event of its own under the recipient's topic (what
   `myNotifications` streams), and a PENDING delivery per further channel the recipient wants.
   Inbox entries are unique per (event, user) and deliveries per (event, user, channel): a
   second scan of an event writes nothing, whichever process makes it;
2. logs reminders that are due (`reminders.py`: expiring benefit codes, sessions starting
   within a day), which the next scan turns into notifications;
3. sends what is due, per recipient and channel: it claims the deliveries with a lease (a
   conditional UPDATE), waits out quiet hours (for non-urgent ones) and the recipient's hourly
   allowance, and sends one message — a digest when several are due at once. A failure is
   retried with capped exponential back-off up to NOTIFICATION_MAX_ATTEMPTS.

Nothing lives only in memory: a process that stops releases its leases and any process carries
on from the cursor and the pending deliveries. A process that dies between the provider's
acceptance and writing SENT leaves a lease that expires, and the message is sent again: the
provider sees the same reference (`X-VC-Delivery-Id` / `Idempotency-Key`) and may drop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models.events import Event
from models.notifications import (
    Notification,
    NotificationChannel,
    NotificationCursor,
    NotificationDelivery,
    SendStatus,
)
from services.notifications import NOTIFICATION_CREATED, preferences_of, user_topic
from services.notifications.channels import (
    HttpSmsSender,
    Outgoing,
    Sender,
    SendFailed,
    SmtpSender,
)
from services.notifications.recipients import Message, messages_of, notifying_types
from services.notifications.reminders import log_expiring_codes, log_session_reminders
from services.notifications.schedule import RATE_WINDOW, QuietHours, next_slot
from services.webhooks.attempts import Backoff
from settings import Settings
from subscriptions import events
from subscriptions.events import atomic

log = logging.getLogger("volunteer_city.notifications")
CURSOR_NAME = "events"
MAX_LOGGED_ATTEMPTS = 20


def utc_now() -> datetime:
    return datetime.now(UTC)


def _owner_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _CursorMoved(Exception):
    """Another process moved the cursor meanwhile: this scan's writes are rolled back."""


def payload_of(row: Notification) -> dict[str, Any]:
    """The NOTIFICATION_CREATED event's payload: the inbox entry as the API shows it."""
    return {
        "notificationId": row.id,
        "userId": row.user_id,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "objectType": row.object_type,
        "objectId": row.object_id,
        "urgent": row.urgent,
        "createdAt": row.created_at.isoformat(),
    }


@dataclass
class NotificationWorker:
    senders: dict[NotificationChannel, Sender] = field(default_factory=dict)
    quiet: QuietHours = field(default_factory=lambda: QuietHours(22, 8))
    rate_per_hour: int = 6
    max_attempts: int = 8
    backoff: Backoff = field(default_factory=lambda: Backoff(30.0, 3600.0))
    poll_seconds: float = 1.0
    expiry_notice: timedelta = timedelta(hours=48)
    session_notice: timedelta = timedelta(hours=24)
    reminder_every: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    lease: timedelta = timedelta(seconds=60)
    # The worker's idea of now, for quiet hours, the allowance and back-off (tests move it).
    clock: Callable[[], datetime] = utc_now
    owner: str = field(default_factory=_owner_name)
    _task: asyncio.Task[None] | None = None
    _reminded_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationWorker:
        senders: dict[NotificationChannel, Sender] = {}
        if (smtp := SmtpSender.from_settings(settings)) is not None:
            senders[NotificationChannel.EMAIL] = smtp
        if (sms := HttpSmsSender.from_settings(settings)) is not None:
            senders[NotificationChannel.SMS] = sms
        return cls(
            senders=senders,
            quiet=QuietHours(
                settings.notification_quiet_start_hour, settings.notification_quiet_end_hour
            ),
            rate_per_hour=settings.notification_rate_per_hour,
            max_attempts=settings.notification_max_attempts,
            backoff=Backoff(
                settings.notification_backoff_base_seconds,
                settings.notification_backoff_cap_seconds,
            ),
            poll_seconds=settings.notification_poll_seconds,
            expiry_notice=timedelta(hours=settings.notification_expiry_notice_hours),
            session_notice=timedelta(hours=settings.notification_session_notice_hours),
            reminder_every=timedelta(seconds=settings.notification_reminder_check_seconds),
            lease=timedelta(
                seconds=2 * max(settings.smtp_timeout_seconds, settings.sms_timeout_seconds) + 30
            ),
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notification-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            # Let another process (or this one, restarted) take over at once.
            await NotificationCursor.filter(lease_owner=self.owner).update(
                lease_owner=None, lease_until=None
            )
            await NotificationDelivery.filter(lease_owner=self.owner).update(
                lease_owner=None, lease_until=None
            )
        for sender in self.senders.values():
            with contextlib.suppress(Exception):
                await sender.close()

    async def _run(self) -> None:
        while True:
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notification round failed; trying again")
                busy = False
            if not busy:
                await asyncio.sleep(self.poll_seconds)

    async def run_once(self) -> bool:
        """One round; true when it wrote or sent anything, so the caller goes again at once."""
        scanned = await self.scan()
        now = self.clock()
        reminded = False
        if self._reminded_at is None or now - self._reminded_at >= self.reminder_every:
            self._reminded_at = now
            codes = await log_expiring_codes(now, self.expiry_notice)
            sessions = await log_session_reminders(now, self.session_notice)
            reminded = codes + sessions > 0
        sent = await self.send_due()
        return scanned or reminded or sent

    # Scanning

    async def _claim_cursor(self) -> NotificationCursor | None:
        # Not get_or_create: its read-then-write transaction can deadlock against another
        # writer on SQLite (a lock upgrade is refused at once, whatever the busy timeout).
        row = await NotificationCursor.get_or_none(name=CURSOR_NAME)
        if row is None:
            with contextlib.suppress(IntegrityError):
                await NotificationCursor.create(name=CURSOR_NAME)
            row = await NotificationCursor.get(name=CURSOR_NAME)
        now = utc_now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=self.owner)
        claimed = await NotificationCursor.filter(free, id=row.id).update(
            lease_owner=self.owner, lease_until=now + self.lease
        )
        return await NotificationCursor.get(id=row.id) if claimed else None

    async def scan(self) -> bool:
        """Turns the events after the cursor into notifications; whether it wrote any."""
        # Read-only while there is nothing new: an idle worker takes no write lock (on SQLite
        # the whole database's), however often it polls.
        known = await NotificationCursor.get_or_none(name=CURSOR_NAME)
        if known is not None and await events.latest_id() <= known.cursor:
            return False
        cursor = await self._claim_cursor()
        if cursor is None:
            return False
        try:
            return await self._scan(cursor)
        finally:
            await NotificationCursor.filter(id=cursor.id, lease_owner=self.owner).update(
                lease_owner=None, lease_until=None
            )

    async def _scan(self, cursor: NotificationCursor) -> bool:
        latest = await events.latest_id()
        if latest <= cursor.cursor:
            return False
        rows = (
            await Event.filter(id__gt=cursor.cursor, id__lte=latest, type__in=notifying_types())
            .order_by("id")
            .limit(self.batch_size)
        )
        moved_to = rows[-1].id if len(rows) == self.batch_size else latest
        found = [
            (row, message)
            for row in rows
            for message in await messages_of(row.type, row.payload, row.created_at)
        ]
        wanted = await preferences_of(sorted({m.user_id for _, m in found}))
        now = self.clock()
        try:
            async with atomic() as tx:
                moved = await NotificationCursor.filter(
                    id=cursor.id, cursor=cursor.cursor, lease_owner=self.owner
                ).update(cursor=moved_to)
                if not moved:
                    raise _CursorMoved
                for event, message in found:
                    row = await self._write(event, message, wanted, now)
                    tx.record(NOTIFICATION_CREATED, [user_topic(row.user_id)], payload_of(row))
        except _CursorMoved:
            return False
        return bool(found)

    async def _write(
        self,
        event: Event,
        message: Message,
        wanted: dict[int, Any],
        now: datetime,
    ) -> Notification:
        row = await Notification.create(
            user_id=message.user_id,
            event_id=event.id,
            kind=event.type,
            title=message.title[:120],
            body=message.body[:500],
            object_type=message.object_type,
            object_id=message.object_id,
            urgent=message.urgent,
            created_at=now,
        )
        for preference in wanted[message.user_id]:
            channel = preference.channel
            if channel is NotificationChannel.INBOX or not preference.enabled:
                continue
            if not preference.address or channel not in self.senders:
                continue
            await NotificationDelivery.create(
                notification_id=row.id,
                event_id=event.id,
                user_id=message.user_id,
                channel=channel,
                address=preference.address,
                next_attempt_at=now,
            )
        return row

    # Sending

    async def send_due(self) -> bool:
        now = self.clock()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=utc_now())
        due: list[Any] = (
            await NotificationDelivery.filter(
                free, status=SendStatus.PENDING, next_attempt_at__lte=now
            )
            .order_by("id")
            .limit(self.batch_size)
            .values_list("id", "user_id", "channel")
        )
        groups: dict[tuple[int, NotificationChannel], list[int]] = defaultdict(list)
        for delivery_id, user_id, channel in due:
            groups[(int(user_id), NotificationChannel(channel))].append(int(delivery_id))
        sent = False
        for (user_id, channel), ids in groups.items():
            try:
                sent = await self._serve(user_id, channel, ids) or sent
            except Exception:
                # One recipient's trouble is not the others'.
                log.exception(
                    "sending to user %s by %s failed; trying again", user_id, channel.value
                )
        return sent

    async def _serve(self, user_id: int, channel: NotificationChannel, ids: list[int]) -> bool:
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=utc_now())
        await NotificationDelivery.filter(free, id__in=ids, status=SendStatus.PENDING).update(
            lease_owner=self.owner, lease_until=utc_now() + self.lease
        )
        claimed = (
            await NotificationDelivery.filter(id__in=ids, lease_owner=self.owner)
            .select_related("notification")
            .order_by("id")
        )
        if not claimed:
            return False
        try:
            return await self._send_group(user_id, channel, claimed)
        finally:
            await NotificationDelivery.filter(
                id__in=[d.id for d in claimed], lease_owner=self.owner
            ).update(lease_owner=None, lease_until=None)

    async def _send_group(
        self, user_id: int, channel: NotificationChannel, claimed: list[NotificationDelivery]
    ) -> bool:
        now = self.clock()
        if self.quiet.is_quiet(now):
            held = [d for d in claimed if not d.notification.urgent]
            if held:
                await NotificationDelivery.filter(id__in=[d.id for d in held]).update(
                    next_attempt_at=self.quiet.release(now)
                )
            claimed = [d for d in claimed if d.notification.urgent]
            if not claimed:
                return False
        recent: list[Any] = await NotificationDelivery.filter(
            user_id=user_id,
            channel=channel,
            status=SendStatus.SENT,
            sent_at__gt=now - RATE_WINDOW,
        ).values_list("sent_at", flat=True)
        slot = next_slot(list(recent), self.rate_per_hour, now)
        if slot > now:
            # Over the allowance: held, and sent together as one digest when a slot frees.
            await NotificationDelivery.filter(id__in=[d.id for d in claimed]).update(
                next_attempt_at=slot
            )
            return False
        head = claimed[0]
        sender = self.senders.get(channel)
        if sender is None:
            await self._record(claimed, now, "No sender configured for this channel.", final=True)
            return True
        try:
            await sender.send(outgoing(head, claimed))
        except SendFailed as exc:
            await self._record(claimed, now, str(exc), final=exc.permanent)
            return True
        await self._record(claimed, now, "")
        return True

    async def _record(
        self, claimed: list[NotificationDelivery], now: datetime, error: str, final: bool = False
    ) -> None:
        head = claimed[0]
        for delivery in claimed:
            number = delivery.attempts + 1
            entry = {"number": number, "at": now.isoformat(), "error": error}
            updates: dict[str, Any] = {
                "attempts": number,
                "last_error": error[:300],
                "attempt_log": [*delivery.attempt_log, entry][-MAX_LOGGED_ATTEMPTS:],
            }
            if not error:
                updates["sent_at"] = now
                if delivery.id == head.id:
                    updates["status"] = SendStatus.SENT
                else:
                    updates |= {"status": SendStatus.DIGESTED, "digest_of": head.id}
            elif final or number >= self.max_attempts:
                updates["status"] = SendStatus.FAILED
                log.warning("notification delivery %s given up: %s", delivery.id, error)
            else:
                updates["next_attempt_at"] = now + timedelta(seconds=self.backoff.delay(number))
            await NotificationDelivery.filter(
                id=delivery.id, status=SendStatus.PENDING, lease_owner=self.owner
            ).update(**updates)


def outgoing(head: NotificationDelivery, claimed: list[NotificationDelivery]) -> Outgoing:
    """One message for what is due: the notification itself, or a digest of several."""
    if len(claimed) == 1:
        subject, text = head.notification.title, head.notification.body
    else:
        subject = f"志愿惠州: {len(claimed)} notifications"
        text = "\n".join(f"- {d.notification.title}: {d.notification.body}" for d in claimed)
    return Outgoing(address=head.address, subject=subject, text=text, reference=f"vc-{head.id}")
