"""Notifications: a user's inbox, what was (or is to be) sent to them by e-mail and SMS, their
preferences, and the worker's place in the event log. See services/notifications/worker.py."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import User
    from models.events import Event


class NotificationChannel(str, Enum):
    # Always on: the inbox is the record of what the user was told.
    INBOX = "INBOX"
    EMAIL = "EMAIL"
    SMS = "SMS"


class SendStatus(str, Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    # Given up after the last attempt; the inbox still has it.
    FAILED = "FAILED"
    # Sent as part of another delivery's digest (see `digest_of`).
    DIGESTED = "DIGESTED"


class Notification(Model):
    """One inbox entry: what one event means to one user."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    # Null for notifications not caused by a logged event (none yet; the reminders log one).
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="notifications", null=True, on_delete=fields.RESTRICT
    )
    event_id: int | None
    kind = fields.CharField(max_length=48)
    title = fields.CharField(max_length=120)
    body = fields.CharField(max_length=500)
    # The object it is about, as the API names it: a GraphQL type name and its database id.
    object_type = fields.CharField(max_length=48, default="")
    object_id = fields.BigIntField(null=True)
    # Urgent notifications ignore quiet hours.
    urgent = fields.BooleanField(default=False)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "notification"
        ordering = ["id"]
        unique_together = (("event", "user"),)
        indexes = (("user_id", "read_at", "id"),)


class NotificationDelivery(Model):
    """One notification sent (or to be sent) on one channel beyond the inbox: the delivery log.
    Unique per (event, user, channel), so a second scan of the same event writes nothing."""

    id = fields.BigIntField(primary_key=True)
    notification: fields.ForeignKeyRelation[Notification] = fields.ForeignKeyField(
        "models.Notification", related_name="deliveries", on_delete=fields.CASCADE
    )
    notification_id: int
    event_id = fields.BigIntField(null=True)
    user_id = fields.IntField()
    channel = fields.CharEnumField(NotificationChannel, max_length=8)
    address = fields.CharField(max_length=254)
    status = fields.CharEnumField(SendStatus, max_length=12, default=SendStatus.PENDING)
    attempts = fields.IntField(default=0)
    # Quiet hours, the rate limit and back-off all move this on.
    next_attempt_at = fields.DatetimeField()
    # The process sending it; a lease that expires lets another take over after a crash.
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=300, default="")
    # The latest attempts (number, at, error), newest last.
    attempt_log: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    # The delivery whose message carried this one, when several went out as one digest.
    digest_of = fields.BigIntField(null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification_delivery"
        ordering = ["id"]
        unique_together = (("event_id", "user_id", "channel"),)
        indexes = (("status", "next_attempt_at"), ("user_id", "channel", "status", "sent_at"))


class NotificationPreference(Model):
    """Whether a user wants a channel, and where to: an e-mail address, or a mobile number
    (a volunteer's registered phone when none is given)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notification_preferences", on_delete=fields.CASCADE
    )
    user_id: int
    channel = fields.CharEnumField(NotificationChannel, max_length=8)
    enabled = fields.BooleanField(default=True)
    address = fields.CharField(max_length=254, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notification_preference"
        unique_together = (("user", "channel"),)


class NotificationCursor(Model):
    """How far the notification worker has read the event log: one row, leased by the process
    that scans, so that of several processes one at a time turns events into notifications."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=32, unique=True)
    cursor = fields.BigIntField(default=0)
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)

    class Meta:
        table = "notification_cursor"


class NotificationReminder(Model):
    """A reminder that was logged (e.g. a benefit code about to expire): unique per kind and
    object, so the periodic check logs each once however often and wherever it runs."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=48)
    object_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification_reminder"
        unique_together = (("kind", "object_id"),)
