from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import relay

from schema.core.context import Info
from schema.core.errors import access_error, payload, problem
from schema.core.relay import decode_id
from schema.webhooks.types import (
    CreateWebhookPayload,
    DeleteWebhookPayload,
    RotateWebhookSecretPayload,
    WebhookDeliveryPayload,
    WebhookDeliveryType,
    WebhookEventTypeName,
    WebhookPayload,
    WebhookType,
)
from services import webhooks
from services.common.errors import AccessError, Problem
from services.webhooks import WebhookChanges
from services.webhooks.errors import WebhookErrorCode

TYPES_DESCRIPTION = "Event types to receive (see `webhookEventTypes`), e.g. ORDER_SUBMITTED."


def _type_names(types: list[Enum] | None) -> list[str] | None:
    return None if types is None else [t.value for t in types]


@strawberry.input(description="A URL to POST events of the chosen types to.")
class CreateWebhookInput:
    url: str = strawberry.field(description="An absolute http(s) URL (https in production).")
    event_types: list[Enum] = strawberry.field(
        graphql_type=list[WebhookEventTypeName],  # type: ignore[valid-type]
        description=TYPES_DESCRIPTION,
    )
    description: str = strawberry.field(default="", description="A note (≤200).")


@strawberry.input(description="Changes to a webhook; omitted fields stay as they are.")
class UpdateWebhookInput:
    webhook: relay.GlobalID = strawberry.field(description="The Webhook.")
    url: str | None = strawberry.field(default=None, description="A new target URL.")
    event_types: list[Enum] | None = strawberry.field(
        default=None,
        graphql_type=list[WebhookEventTypeName] | None,  # type: ignore[valid-type]
        description=TYPES_DESCRIPTION,
    )
    description: str | None = strawberry.field(default=None, description="A new note.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="false pauses it; true resumes a paused or given-up webhook from where it "
        "stopped (events committed meanwhile are delivered, in order).",
    )


@strawberry.input(description="A webhook to delete, with its delivery log.")
class DeleteWebhookInput:
    webhook: relay.GlobalID = strawberry.field(description="The Webhook.")


@strawberry.input(description="A webhook whose signing secret to replace.")
class RotateWebhookSecretInput:
    webhook: relay.GlobalID = strawberry.field(description="The Webhook.")


@strawberry.input(description="A delivery to send again.")
class RedeliverWebhookDeliveryInput:
    delivery: relay.GlobalID = strawberry.field(description="The WebhookDelivery.")


def _manager(info: Info) -> None:
    """Access is checked before the input, so that other callers learn nothing from it."""
    try:
        webhooks.require_manager(info.context.principal)
    except AccessError as error:
        raise access_error(error) from error


def _missing(code: WebhookErrorCode = WebhookErrorCode.WEBHOOK_NOT_FOUND) -> list[Problem]:
    what = "webhook" if code == WebhookErrorCode.WEBHOOK_NOT_FOUND else "delivery"
    return problem(code, f"No such {what}.", what)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a webhook for the calling app (scope webhooks:manage, and the "
        "scope of every event type). It receives events committed from now on; its signing "
        "secret is in this response only."
    )
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> CreateWebhookPayload:
        _manager(info)
        call = webhooks.create_webhook(
            info.context.principal,
            input.url,
            _type_names(input.event_types) or [],
            input.description,
        )
        return await payload(
            CreateWebhookPayload,
            call,
            lambda made: CreateWebhookPayload(
                webhook=WebhookType.from_model(made[0]), secret=made[1]
            ),
        )

    @strawberry.mutation(description="Change, pause or resume one of the calling app's webhooks.")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookPayload:
        _manager(info)
        pk = decode_id(input.webhook, "Webhook")
        if pk is None:
            return WebhookPayload.failed(_missing())
        changes = WebhookChanges(
            input.url, _type_names(input.event_types), input.description, input.enabled
        )
        return await payload(
            WebhookPayload,
            webhooks.update_webhook(info.context.principal, pk, changes),
            lambda row: WebhookPayload(webhook=WebhookType.from_model(row)),
        )

    @strawberry.mutation(
        description="Give one of the calling app's webhooks a new signing secret, shown in this "
        "response only. For WEBHOOK_SECRET_GRACE_SECONDS (a day by default) deliveries are signed "
        "with the new and the previous secret, so the receiver can switch without refusing any."
    )
    async def rotate_webhook_secret(
        self, info: Info, input: RotateWebhookSecretInput
    ) -> RotateWebhookSecretPayload:
        _manager(info)
        pk = decode_id(input.webhook, "Webhook")
        if pk is None:
            missing = problem(WebhookErrorCode.WEBHOOK_NOT_FOUND, "No such webhook.", "webhookId")
            return RotateWebhookSecretPayload.failed(missing)
        return await payload(
            RotateWebhookSecretPayload,
            webhooks.rotate_secret(info.context.principal, pk),
            lambda made: RotateWebhookSecretPayload(
                webhook=WebhookType.from_model(made[0]), secret=made[1]
            ),
        )

    @strawberry.mutation(description="Delete one of the calling app's webhooks and its log.")
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
        _manager(info)
        pk = decode_id(input.webhook, "Webhook")
        if pk is None:
            return DeleteWebhookPayload.failed(_missing())
        return await payload(
            DeleteWebhookPayload,
            webhooks.delete_webhook(info.context.principal, pk),
            lambda deleted: DeleteWebhookPayload(
                deleted_id=relay.GlobalID("Webhook", str(deleted))
            ),
        )

    @strawberry.mutation(
        description="Send a delivery again as soon as its webhook is active: a finished one "
        "goes to the front of the webhook's queue with a fresh retry window; a pending one "
        "skips the rest of its back-off."
    )
    async def redeliver_webhook_delivery(
        self, info: Info, input: RedeliverWebhookDeliveryInput
    ) -> WebhookDeliveryPayload:
        _manager(info)
        pk = decode_id(input.delivery, "WebhookDelivery")
        if pk is None:
            return WebhookDeliveryPayload.failed(_missing(WebhookErrorCode.DELIVERY_NOT_FOUND))
        return await payload(
            WebhookDeliveryPayload,
            webhooks.redeliver(info.context.principal, pk),
            lambda row: WebhookDeliveryPayload(delivery=WebhookDeliveryType.from_model(row)),
        )
