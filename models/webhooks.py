"""Webhooks: an app's target URL for chosen event types, and one delivery row per event sent
(or to be sent) there. See services/webhooks/worker.py for how deliveries are made."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import ApiClient
    from models.events import Event


class WebhookStatus(str, Enum):
    ACTIVE = "ACTIVE"
    # Nothing is scanned or sent until the app enables it again, and then it resumes from its
    # cursor: events committed meanwhile are delivered, in order.
    DISABLED = "DISABLED"


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    # Given up after the retry window: the webhook was disabled with it.
    FAILED = "FAILED"


class Webhook(Model):
    """An app's subscription of a URL to event types of the event log."""

    id = fields.IntField(primary_key=True)
    client: fields.ForeignKeyRelation[ApiClient] = fields.ForeignKeyField(
        "models.ApiClient", related_name="webhooks", on_delete=fields.CASCADE
    )
    client_id: int
    url = fields.CharField(max_length=2048)
    event_types: fields.Field[list[str]] = fields.JSONField(default=list)
    # Kept in clear because every delivery is signed with it. It is shown to the app once.
    secret = fields.CharField(max_length=128)
    # The secret before the last rotation: deliveries are signed with it too until it expires,
    # so that receivers can switch to the new one without refusing a delivery.
    previous_secret = fields.CharField(max_length=128, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    description = fields.CharField(max_length=200, default="")
    status = fields.CharEnumField(WebhookStatus, max_length=16, default=WebhookStatus.ACTIVE)
    disabled_reason = fields.CharField(max_length=200, default="")
    # The last event id scanned for this webhook. Event ids become visible in id order, so
    # "id > cursor" reads every later event.
    cursor = fields.BigIntField(default=0)
    # One process at a time scans and sends for a webhook: the one holding this lease.
    lease_owner = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook"
        ordering = ["id"]


class WebhookDelivery(Model):
    """One event for one webhook: its state, and the log of its attempts."""

    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    webhook_id: int
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="webhook_deliveries", on_delete=fields.RESTRICT
    )
    event_id: int
    event_type = fields.CharField(max_length=48)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    # When it may be tried next. A pending delivery also waits for the older pending ones of
    # its webhook: deliveries of one webhook go out one at a time, in event order.
    next_attempt_at = fields.DatetimeField(null=True)
    # The retry window runs from the first attempt (a manual redelivery starts a new one).
    first_attempt_at = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    response_status = fields.IntField(null=True)
    latency_ms = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, default="")
    # The most recent attempts (number, at, responseStatus, latencyMs, error), newest last.
    attempt_log: fields.Field[list[dict[str, Any]]] = fields.JSONField(default=list)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        ordering = ["id"]
        unique_together = (("webhook", "event"),)
        indexes = (("webhook_id", "status", "id"), ("status", "next_attempt_at"))
