from __future__ import annotations

import strawberry

from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, paginate
from schema.notifications.types import NotificationPreferenceType, NotificationType
from services import notifications
from services.common.errors import AccessError


@strawberry.type
class Query:
    @strawberry.field(
        description="Your notifications, oldest first (page on with `after`), optionally only "
        "the unread ones (signed in)."
    )
    async def notifications(
        self,
        info: Info,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[NotificationType]:
        try:
            query = notifications.inbox(info.context.principal, unread_only)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, NotificationType.from_model)

    @strawberry.field(description="Your notification preferences, one per channel (signed in).")
    async def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        try:
            rows = await notifications.preferences(info.context.principal)
        except AccessError as error:
            raise access_error(error) from error
        return [NotificationPreferenceType.from_preference(r) for r in rows]
