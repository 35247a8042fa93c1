"""`activityUpdated`: an activity's page live — every sign-up, promotion and state change, each
carrying the activity as it is then (counts and openings). Public, like the page."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from models.activities import Activity
from schema.activities.types import ActivityEvent
from schema.core.context import Info
from schema.core.relay import id_of, not_found
from schema.dispatch.subscriptions import event_rows, stream_cursor
from services.activities import activity_topic
from services.activities.discovery import visible


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Follow one activity: sign-up counts and openings as they change. Anyone "
        "who may see the activity."
    )
    async def activity_updated(
        self, info: Info, activity: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[ActivityEvent, None]:
        field = "Subscription.activityUpdated(activity:)"
        pk = id_of(activity, "Activity", field)
        condition = await visible(info.context.principal)
        if not await Activity.filter(condition, id=pk).exists():
            raise not_found(field, "no such activity")
        async for row, views in event_rows(info, activity_topic(pk), stream_cursor(after)):
            yield ActivityEvent.shared(row, views)
