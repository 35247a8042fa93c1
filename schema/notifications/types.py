from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.events import Event
from models.notifications import Notification, NotificationChannel
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids
from services.notifications import ChannelPreference
from services.notifications.errors import NotificationErrorCode
from subscriptions.events import encode_cursor

strawberry.enum(NotificationChannel, description="Where a notification is delivered.")
strawberry.enum(NotificationErrorCode, description="Why a notification request was refused.")


def _global_id(type_name: str, pk: int | None) -> relay.GlobalID | None:
    if not type_name or pk is None:
        return None
    return relay.GlobalID(type_name, str(pk))


@strawberry.type(
    name="Notification",
    description="Something that happened to you: an assignment, a step of your order, your "
    "civic issue's status, a decision about your activity sign-up or a reminder of its session, "
    "your certificate issued, declined or revoked, a benefit code about to expire. Visible to "
    "its recipient only.",
)
class NotificationType(relay.Node):
    id: relay.NodeID[int]
    kind: str = strawberry.field(description="The event type behind it, e.g. ORDER_ASSIGNED.")
    title: str = strawberry.field(description="A short headline.")
    body: str = strawberry.field(description="What happened, in a sentence.")
    subject_id: relay.GlobalID | None = strawberry.field(
        description="The global ID of the object it is about (a ServiceOrder, CivicIssue, "
        "ActivitySignUp, Certificate or Redemption); pass it to `node(id:)`."
    )
    urgent: bool = strawberry.field(description="Sent in quiet hours too.")
    read_at: datetime | None = strawberry.field(description="When you marked it read.")
    created_at: datetime = strawberry.field(description="When it was made.")

    @strawberry.field(description="Whether you marked it read.")
    def read(self) -> bool:
        return self.read_at is not None

    @classmethod
    def from_model(cls, row: Notification) -> NotificationType:
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title,
            body=row.body,
            subject_id=_global_id(row.object_type, row.object_id),
            urgent=row.urgent,
            read_at=row.read_at,
            created_at=row.created_at,
        )

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> NotificationType:
        return cls(
            id=int(payload["notificationId"]),
            kind=str(payload["kind"]),
            title=str(payload["title"]),
            body=str(payload["body"]),
            subject_id=_global_id(str(payload["objectType"]), payload.get("objectId")),
            urgent=bool(payload["urgent"]),
            read_at=None,
            created_at=datetime.fromisoformat(str(payload["createdAt"])),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        user_id = info.context.principal.user_id or 0
        rows = {r.id: r for r in await Notification.filter(id__in=ids, user_id=user_id)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="A new notification, as `myNotifications` delivers it.")
class NotificationEvent:
    cursor: str = strawberry.field(description="Resume after this event with `after`.")
    notification: NotificationType = strawberry.field(description="The new notification.")

    @classmethod
    def shared(cls, row: Event, views: dict[str, Any]) -> NotificationEvent:
        """One payload object per event for all its subscribers (`views`: the hub's)."""
        event = views.get("NotificationEvent")
        if event is None:
            event = views["NotificationEvent"] = cls(
                cursor=encode_cursor(row.id),
                notification=NotificationType.from_payload(row.payload),
            )
        assert isinstance(event, NotificationEvent)
        return event


@strawberry.type(description="One channel of your notification preferences.")
class NotificationPreferenceType:
    channel: NotificationChannel = strawberry.field(description="INBOX, EMAIL or SMS.")
    enabled: bool = strawberry.field(description="Whether you want notifications here.")
    address: str = strawberry.field(
        description="Where they go: your e-mail address, or your mobile number (your "
        "registered phone unless you gave another). Empty: nowhere, so nothing is sent."
    )

    @classmethod
    def from_preference(cls, row: ChannelPreference) -> NotificationPreferenceType:
        return cls(channel=row.channel, enabled=row.enabled, address=row.address)


@strawberry.type(name="NotificationError", description="A problem with a notification request.")
class NotificationError(DomainErrorType[NotificationErrorCode]):
    pass


@payload_type(description="How many notifications were marked read, or why none were.")
class MarkNotificationsReadPayload(Payload[NotificationError]):
    marked: int = strawberry.field(default=0, description="How many were unread until now.")


@payload_type(description="The channel's preference after the change, or why nothing changed.")
class NotificationPreferencePayload(Payload[NotificationError]):
    preference: NotificationPreferenceType | None = strawberry.field(
        default=None, description="Null when errors is not empty."
    )
