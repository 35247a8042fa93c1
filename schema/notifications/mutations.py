from __future__ import annotations

import strawberry
from strawberry import relay

from models.notifications import NotificationChannel
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.notifications.types import (
    MarkNotificationsReadPayload,
    NotificationPreferencePayload,
    NotificationPreferenceType,
)
from services import notifications
from services.notifications.errors import NotificationErrorCode


@strawberry.input(description="Notifications of yours to mark read: some, or all.")
class MarkNotificationsReadInput:
    notifications: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Notifications to mark read (at most 100)."
    )
    all: bool = strawberry.field(default=False, description="true marks every one read.")


@strawberry.input(description="Turn a channel on or off, and say where it goes.")
class SetNotificationPreferenceInput:
    channel: NotificationChannel = strawberry.field(description="EMAIL or SMS.")
    enabled: bool = strawberry.field(description="Whether you want notifications there.")
    address: str | None = strawberry.field(
        default=None,
        description="An e-mail address, or a mainland mobile number; omitted keeps the one "
        "given before, and for SMS an empty one returns to your registered phone.",
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Mark your notifications read (signed in).", extensions=[requires()]
    )
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        ids = [decode_id(i, "Notification") for i in input.notifications or []]
        if any(i is None for i in ids):
            missing = problem(
                NotificationErrorCode.NOTIFICATION_NOT_FOUND,
                "No such notification.",
                "notifications",
            )
            return MarkNotificationsReadPayload.failed(missing)
        call = notifications.mark_read(
            info.context.principal, [i for i in ids if i is not None], input.all
        )
        return await payload(
            MarkNotificationsReadPayload, call, lambda n: MarkNotificationsReadPayload(marked=n)
        )

    @strawberry.mutation(
        description="Set one channel of your notification preferences.", extensions=[requires()]
    )
    async def set_notification_preference(
        self, info: Info, input: SetNotificationPreferenceInput
    ) -> NotificationPreferencePayload:
        call = notifications.set_preference(
            info.context.principal, input.channel, input.enabled, input.address
        )
        return await payload(
            NotificationPreferencePayload,
            call,
            lambda row: NotificationPreferencePayload(
                preference=NotificationPreferenceType.from_preference(row)
            ),
        )
