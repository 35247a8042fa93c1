from __future__ import annotations

import strawberry
from strawberry import relay

from models.webhooks import DeliveryStatus
from schema.core.context import Info
from schema.core.errors import access_error, query_input_error
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, id_of, paginate
from schema.webhooks.types import WebhookDeliveryType, WebhookEventType, WebhookType
from services import webhooks
from services.common.errors import AccessError, DomainError
from services.webhooks import event_types as webhook_events


@strawberry.type
class Query:
    @strawberry.field(description="The event types webhooks may subscribe to, with their scopes.")
    def webhook_event_types(self) -> list[WebhookEventType]:
        return [WebhookEventType.from_kind(k) for k in webhook_events.known_kinds()]

    @strawberry.field(description="The calling app's webhooks (scope webhooks:manage).")
    async def webhooks(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[WebhookType]:
        try:
            query = webhooks.own_webhooks(info.context.principal)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, WebhookType.from_model)

    @strawberry.field(
        description="The delivery log of one of the calling app's webhooks, oldest first, "
        "optionally of one status. An unknown webhook is a top-level WEBHOOK_NOT_FOUND error."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        webhook: relay.GlobalID,
        status: DeliveryStatus | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryType]:
        pk = id_of(webhook, "Webhook", "Query.webhookDeliveries(webhook:)")
        try:
            query = await webhooks.deliveries(info.context.principal, pk, status)
        except AccessError as error:
            raise access_error(error) from error
        except DomainError as error:
            raise query_input_error(error) from error
        return await paginate(query, first, after, WebhookDeliveryType.from_model)
