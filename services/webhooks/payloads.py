"""What a webhook delivery looks like on the wire: a JSON body that is the same for every
attempt of a delivery, and headers naming it and carrying its signature."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson

from models.events import Event
from models.webhooks import Webhook, WebhookDelivery
from services.webhooks.event_types import kind_of
from services.webhooks.signing import SIGNATURE_HEADER, signature_header, standard_headers
from subscriptions.events import encode_cursor

USER_AGENT = "volunteer-city-webhooks/1"


def global_id(type_name: str, pk: int) -> str:
    """The Relay global ID the GraphQL API uses for the same row."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def body_of(webhook: Webhook, delivery: WebhookDelivery, event: Event) -> bytes:
    kind = kind_of(event.type)
    scopes = webhook.client.scopes
    data = kind.shape(event.payload, scopes) if kind else {}
    document: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "createdAt": event.created_at.isoformat(),
        "cursor": encode_cursor(event.id),
        "data": data,
        "webhookId": global_id("Webhook", webhook.id),
        "deliveryId": global_id("WebhookDelivery", delivery.id),
    }
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def previous_secret(webhook: Webhook, now: datetime) -> str | None:
    """The secret before the last rotation, while its grace period lasts."""
    expires = webhook.previous_secret_expires_at
    return webhook.previous_secret if expires is not None and now < expires else None


def request_of(
    webhook: Webhook,
    delivery: WebhookDelivery,
    event: Event,
    attempt: int,
    timestamp: int,
    now: datetime,
) -> tuple[str, bytes, dict[str, str]]:
    body = body_of(webhook, delivery, event)
    previous = previous_secret(webhook, now)
    older = [previous] if previous else []
    delivery_id = global_id("WebhookDelivery", delivery.id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "VC-Webhook-Id": global_id("Webhook", webhook.id),
        "VC-Delivery-Id": delivery_id,
        "VC-Event-Id": str(event.id),
        "VC-Event-Type": event.type,
        "VC-Attempt": str(attempt),
        SIGNATURE_HEADER: signature_header(webhook.secret, timestamp, body, *older),
        **standard_headers(webhook.secret, delivery_id, timestamp, body, *older),
    }
    return webhook.url, body, headers
