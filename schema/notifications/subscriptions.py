"""Your notifications, live: each is an event of the log under your own topic, so the stream
replays from `after` and then continues live like every other stream of the hub."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from schema.core.context import Info
from schema.core.permissions import requires
from schema.dispatch.subscriptions import event_rows, stream_cursor
from schema.notifications.types import NotificationEvent
from services.notifications import NOTIFICATION_CREATED, user_topic


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Your new notifications as they are made, from after `after` if given "
        "(yours only).",
        extensions=[requires()],
    )
    async def my_notifications(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[NotificationEvent, None]:
        topic = user_topic(info.context.principal.user_id or -1)
        async for row, views in event_rows(info, topic, stream_cursor(after)):
            if row.type == NOTIFICATION_CREATED:
                yield NotificationEvent.shared(row, views)
