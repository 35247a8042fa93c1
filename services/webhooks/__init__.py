"""Webhook registration and the delivery log, for apps with the `webhooks:manage` scope. An app
sees and manages its own webhooks only. Delivery itself is services/webhooks/worker.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus
from services.common.errors import Collector, DomainError, NotAuthenticated, NotPermitted
from services.common.principal import Principal, Scope
from services.webhooks import event_types as webhook_events
from services.webhooks import targets as webhook_targets
from services.webhooks.errors import WebhookErrorCode
from services.webhooks.signing import new_secret
from settings import get_settings
from subscriptions import events

MAX_WEBHOOKS_PER_CLIENT = 20
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class WebhookChanges:
    """What `update_webhook` changes; None leaves a field as it is."""

    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


def require_manager(principal: Principal) -> int:
    """The id of the calling app, which must hold `webhooks:manage`."""
    if not principal.is_authenticated:
        raise NotAuthenticated()
    if principal.api_client_id is None or not principal.has_scope(Scope.WEBHOOKS_MANAGE):
        raise NotPermitted("Apps with the webhooks:manage scope only.")
    return principal.api_client_id


async def _check_url(url: str, collector: Collector) -> None:
    settings = get_settings()
    try:
        parts = urlsplit(url)
        # Reading the port raises on one that is not a number up to 65535; 0 is refused too.
        hostname = parts.hostname if parts.port != 0 else None
    except ValueError:
        parts, hostname = urlsplit(""), None
    schemes = ("https",) if settings.webhook_require_https else ("http", "https")
    if len(url) > MAX_URL_LENGTH or parts.scheme not in schemes or not hostname:
        collector.add(
            WebhookErrorCode.INVALID_URL,
            f"Give an absolute {' or '.join(schemes)} URL of at most {MAX_URL_LENGTH} characters.",
            "url",
        )
    elif parts.username or parts.password:
        collector.add(WebhookErrorCode.INVALID_URL, "Leave credentials out of the URL.", "url")
    elif not settings.webhook_allow_private_targets:
        # Sending checks again, on every connection: see services/webhooks/targets.py.
        refusal = await webhook_targets.registration_refusal(url)
        if refusal is not None:
            message = f"{refusal} Webhooks may only point to the public internet."
            collector.add(WebhookErrorCode.TARGET_NOT_PUBLIC, message, "url")


def _check_types(types: list[str], principal: Principal, collector: Collector) -> None:
    if not types:
        collector.add(
            WebhookErrorCode.NO_EVENT_TYPES, "Choose at least one event type.", "eventTypes"
        )
        return
    unknown = sorted({t for t in types if webhook_events.kind_of(t) is None})
    if unknown:
        collector.add(
            WebhookErrorCode.UNKNOWN_EVENT_TYPE,
            f"Unknown event types: {', '.join(unknown)} (see webhookEventTypes).",
            "eventTypes",
        )
    hidden = sorted(
        {
            t
            for t in types
            if (kind := webhook_events.kind_of(t)) and not kind.visible_to(principal.scopes)
        }
    )
    if hidden:
        collector.add(
            WebhookErrorCode.EVENT_TYPE_NOT_PERMITTED,
            f"This app's scopes do not cover: {', '.join(hidden)}.",
            "eventTypes",
        )


def _check_description(description: str, collector: Collector) -> None:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        collector.add(
            WebhookErrorCode.DESCRIPTION_TOO_LONG,
            f"At most {MAX_DESCRIPTION_LENGTH} characters.",
            "description",
        )


async def create_webhook(
    principal: Principal, url: str, event_types: list[str], description: str = ""
) -> tuple[Webhook, str]:
    """Returns the webhook and its signing secret, shown this once. It receives the events
    committed from now on."""
    client_id = require_manager(principal)
    collector = Collector()
    await _check_url(url.strip(), collector)
    _check_types(event_types, principal, collector)
    _check_description(description.strip(), collector)
    collector.raise_if_any()
    secret = new_secret()
    async with in_transaction():
        if await Webhook.filter(client_id=client_id).count() >= MAX_WEBHOOKS_PER_CLIENT:
            raise DomainError(
                WebhookErrorCode.TOO_MANY_WEBHOOKS,
                f"An app may have {MAX_WEBHOOKS_PER_CLIENT} webhooks; delete one first.",
            )
        webhook = await Webhook.create(
            client_id=client_id,
            url=url.strip(),
            event_types=sorted(set(event_types)),
            secret=secret,
            description=description.strip(),
            cursor=await events.latest_id(),
        )
    return webhook, secret


def own_webhooks(principal: Principal) -> QuerySet[Webhook]:
    return Webhook.filter(client_id=require_manager(principal))


async def own_webhook(principal: Principal, webhook_id: int) -> Webhook:
    webhook = await own_webhooks(principal).filter(id=webhook_id).first()
    if webhook is None:
        raise DomainError(WebhookErrorCode.WEBHOOK_NOT_FOUND, "No such webhook.", "webhook")
    return webhook


async def update_webhook(principal: Principal, webhook_id: int, changes: WebhookChanges) -> Webhook:
    """Enabling a disabled webhook resumes it from where it stopped: the events committed
    meanwhile are delivered, in order."""
    webhook = await own_webhook(principal, webhook_id)
    collector = Collector()
    if changes.url is not None:
        await _check_url(changes.url.strip(), collector)
    if changes.event_types is not None:
        _check_types(changes.event_types, principal, collector)
    if changes.description is not None:
        _check_description(changes.description.strip(), collector)
    collector.raise_if_any()
    if changes.url is not None:
        webhook.url = changes.url.strip()
    if changes.event_types is not None:
        webhook.event_types = sorted(set(changes.event_types))
    if changes.description is not None:
        webhook.description = changes.description.strip()
    if changes.enabled is not None:
        webhook.status = WebhookStatus.ACTIVE if changes.enabled else WebhookStatus.DISABLED
        webhook.disabled_reason = "" if changes.enabled else "Disabled by the app."
    fields = ["url", "event_types", "description", "status", "disabled_reason", "updated_at"]
    await webhook.save(update_fields=fields)
    return webhook


async def rotate_secret(
    principal: Principal, webhook_id: int, *, now: datetime | None = None
) -> tuple[Webhook, str]:
    """A new signing secret, shown this once. For WEBHOOK_SECRET_GRACE_SECONDS deliveries are
    signed with both the new and the previous secret, so the receiver can switch to the new one
    without refusing a delivery. Only one previous secret is kept: rotating again within the
    grace period ends the oldest secret at once."""
    grace = get_settings().webhook_secret_grace_seconds
    now = now or datetime.now(UTC)
    secret = new_secret()
    async with in_transaction():
        webhook = await own_webhooks(principal).filter(id=webhook_id).select_for_update().first()
        if webhook is None:
            raise DomainError(WebhookErrorCode.WEBHOOK_NOT_FOUND, "No such webhook.", "webhook")
        keep = grace > 0
        webhook.previous_secret = webhook.secret if keep else None
        webhook.previous_secret_expires_at = now + timedelta(seconds=grace) if keep else None
        webhook.secret = secret
        await webhook.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    return webhook, secret


async def delete_webhook(principal: Principal, webhook_id: int) -> int:
    webhook = await own_webhook(principal, webhook_id)
    async with in_transaction():
        await WebhookDelivery.filter(webhook_id=webhook.id).delete()
        await webhook.delete()
    return webhook_id


async def deliveries(
    principal: Principal, webhook_id: int, status: DeliveryStatus | None = None
) -> QuerySet[WebhookDelivery]:
    webhook = await own_webhook(principal, webhook_id)
    query = WebhookDelivery.filter(webhook_id=webhook.id)
    return query.filter(status=status) if status is not None else query


async def own_delivery(principal: Principal, delivery_id: int) -> WebhookDelivery:
    client_id = require_manager(principal)
    delivery = await WebhookDelivery.filter(id=delivery_id, webhook__client_id=client_id).first()
    if delivery is None:
        raise DomainError(WebhookErrorCode.DELIVERY_NOT_FOUND, "No such delivery.", "delivery")
    return delivery


async def redeliver(principal: Principal, delivery_id: int) -> WebhookDelivery:
    """Sends a delivery again, as soon as its webhook is active: a finished one (succeeded or
    given up) goes back to the front of its webhook's queue with a fresh retry window; a
    pending one skips the rest of its back-off."""
    delivery = await own_delivery(principal, delivery_id)
    now = datetime.now(UTC)
    await WebhookDelivery.filter(id=delivery.id).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        first_attempt_at=None
        if delivery.status != DeliveryStatus.PENDING
        else delivery.first_attempt_at,
        delivered_at=None,
    )
    await delivery.refresh_from_db()
    return delivery


async def backlog() -> int:
    """Deliveries not yet made, for every webhook: what operations watch."""
    return await WebhookDelivery.filter(status=DeliveryStatus.PENDING).count()
