from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry import relay

from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus
from schema.api_clients.types import ApiClientScope
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from services.webhooks import event_types as webhook_events
from services.webhooks.errors import WebhookErrorCode
from services.webhooks.event_types import EventKind
from services.webhooks.payloads import previous_secret
from subscriptions.events import encode_cursor

strawberry.enum(WebhookStatus, description="Whether a webhook is being served.")
strawberry.enum(
    DeliveryStatus, name="WebhookDeliveryStatus", description="Where a delivery stands."
)
strawberry.enum(WebhookErrorCode, description="Why a webhook call failed.")

# Built from the registry (services/webhooks/event_types.py), which is generic over the event
# log's types: a domain that offers its events to apps adds them to this enum by that offer.
WebhookEventTypeName = strawberry.enum(
    cast(
        "type[Enum]",
        Enum("WebhookEventTypeName", {k.type: k.type for k in webhook_events.known_kinds()}),
    ),
    description="An event type webhooks may subscribe to (see `webhookEventTypes`).",
)


def event_types_of(values: Iterable[str]) -> list[Enum]:
    """Stored event types as the enum; one no longer offered is left out."""
    return [WebhookEventTypeName(v) for v in values if webhook_events.kind_of(v) is not None]


@strawberry.type(description="An event type that webhooks may subscribe to.")
class WebhookEventType:
    type: Enum = strawberry.field(
        graphql_type=WebhookEventTypeName, description="The event type, e.g. ORDER_SUBMITTED."
    )
    scope: ApiClientScope = strawberry.field(
        description="The API-client scope needed to receive it."
    )
    description: str = strawberry.field(description="What it means and what its data holds.")
    personal_fields: list[str] = strawberry.field(
        description="Fields of its data sent only to apps with personal_data:read."
    )

    @classmethod
    def from_kind(cls, kind: EventKind) -> WebhookEventType:
        return cls(
            type=WebhookEventTypeName(kind.type),
            scope=ApiClientScope(kind.scope),
            description=kind.description,
            personal_fields=list(kind.personal_fields),
        )


@strawberry.type(
    name="Webhook",
    description="An app's target URL for chosen event types. Visible to the app that made it.",
)
class WebhookType(relay.Node):
    id: relay.NodeID[int]
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    event_types: list[Enum] = strawberry.field(
        graphql_type=list[WebhookEventTypeName],  # type: ignore[valid-type]
        description="The event types it receives.",
    )
    description: str = strawberry.field(description="The app's note about it.")
    status: WebhookStatus = strawberry.field(description="ACTIVE or DISABLED.")
    disabled_reason: str = strawberry.field(description="Why it is disabled; empty if active.")
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After `rotateWebhookSecret`: until when deliveries are also signed with "
        "the previous secret. Null when only the current secret signs them."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_model(cls, row: Webhook) -> WebhookType:
        return cls(
            id=row.id,
            url=row.url,
            event_types=event_types_of(row.event_types),
            description=row.description,
            status=row.status,
            disabled_reason=row.disabled_reason,
            previous_secret_expires_at=(
                row.previous_secret_expires_at
                if previous_secret(row, datetime.now(UTC)) is not None
                else None
            ),
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        client_id = info.context.principal.api_client_id
        rows = {r.id: r for r in await Webhook.filter(id__in=ids, client_id=client_id or 0)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="One attempt to deliver an event.")
class WebhookAttempt:
    number: int = strawberry.field(description="1 for the first attempt.")
    at: datetime = strawberry.field(description="When it was made.")
    response_status: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it did not answer."
    )
    latency_ms: int = strawberry.field(description="Milliseconds until the answer (or giving up).")
    error: str = strawberry.field(description="What went wrong; empty on success.")

    @classmethod
    def from_log(cls, entry: dict[str, Any]) -> WebhookAttempt:
        return cls(
            number=int(entry["number"]),
            at=datetime.fromisoformat(entry["at"]),
            response_status=entry.get("responseStatus"),
            latency_ms=int(entry.get("latencyMs") or 0),
            error=str(entry.get("error") or ""),
        )


@strawberry.type(
    name="WebhookDelivery",
    description="One event for one webhook: its state and its attempts.",
)
class WebhookDeliveryType(relay.Node):
    id: relay.NodeID[int]
    event_type: str = strawberry.field(description="The event's type.")
    event_cursor: str = strawberry.field(
        description="The event's cursor, as in the delivered body and in `dispatchFeed`."
    )
    status: DeliveryStatus = strawberry.field(description="PENDING, SUCCEEDED or FAILED.")
    attempt_count: int = strawberry.field(description="Attempts made so far.")
    attempts: list[WebhookAttempt] = strawberry.field(
        description="The latest attempts (up to 50), oldest first."
    )
    response_status: int | None = strawberry.field(
        description="The HTTP status of the last attempt; null if none was answered."
    )
    latency_ms: int | None = strawberry.field(description="The last attempt's latency.")
    last_error: str = strawberry.field(description="What went wrong last; empty on success.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it may be tried next (it also waits for older pending deliveries of "
        "its webhook); null once finished."
    )
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver took it.")
    created_at: datetime = strawberry.field(description="When the event was queued.")

    @classmethod
    def from_model(cls, row: WebhookDelivery) -> WebhookDeliveryType:
        return cls(
            id=row.id,
            event_type=row.event_type,
            event_cursor=encode_cursor(row.event_id),
            status=row.status,
            attempt_count=row.attempts,
            attempts=[WebhookAttempt.from_log(e) for e in row.attempt_log],
            response_status=row.response_status,
            latency_ms=row.latency_ms,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        client_id = info.context.principal.api_client_id or 0
        found = await WebhookDelivery.filter(id__in=ids, webhook__client_id=client_id)
        rows = {r.id: r for r in found}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="A problem with a webhook request.")
class WebhookError(DomainErrorType[WebhookErrorCode]):
    pass


@payload_type(description="A new webhook and its signing secret, or why none was made.")
class CreateWebhookPayload(Payload[WebhookError]):
    webhook: WebhookType | None = strawberry.field(default=None, description="The webhook.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_…`), shown in this response only: store it now "
        "and check the `VC-Signature` header of every delivery with it.",
    )


@payload_type(description="A webhook's new signing secret, or why it was not rotated.")
class RotateWebhookSecretPayload(Payload[WebhookError]):
    webhook: WebhookType | None = strawberry.field(default=None, description="The webhook.")
    secret: str | None = strawberry.field(
        default=None,
        description="The new signing secret (`whsec_…`), shown in this response only. Until "
        "`webhook.previousSecretExpiresAt` the `VC-Signature` header carries a `v1=` for the "
        "new secret and one for the previous secret.",
    )


@payload_type(description="A webhook, or why the request failed.")
class WebhookPayload(Payload[WebhookError]):
    webhook: WebhookType | None = strawberry.field(default=None, description="The webhook.")


@payload_type(description="The deleted webhook's ID, or why it was not deleted.")
class DeleteWebhookPayload(Payload[WebhookError]):
    deleted_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The deleted webhook."
    )


@payload_type(description="A delivery queued again, or why it was not.")
class WebhookDeliveryPayload(Payload[WebhookError]):
    delivery: WebhookDeliveryType | None = strawberry.field(
        default=None, description="The delivery."
    )
