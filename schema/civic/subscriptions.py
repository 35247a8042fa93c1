"""Live civic-issue streams, on the same hub, fan-out and cursor semantics as the dispatch
streams (schema/dispatch/subscriptions.py): replay from `after`, then live, every committed
event of the topic once and in order."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay

from models.civic import CivicIssue
from models.geography import District
from schema.civic.types import CivicIssueEvent
from schema.core.context import Info
from schema.core.permissions import requires
from schema.core.relay import id_of, not_found
from schema.dispatch.subscriptions import event_rows, stream_cursor
from services.civic.events import CITY_TOPIC, district_topic, issue_topic


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Follow one civic issue: its status changes and new photos, and those of "
        "the issue it duplicates.",
        extensions=[requires()],
    )
    async def civic_issue_updated(
        self, info: Info, issue: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[CivicIssueEvent, None]:
        field = "Subscription.civicIssueUpdated(issue:)"
        pk = id_of(issue, "CivicIssue", field)
        if not await CivicIssue.exists(id=pk):
            raise not_found(field, "no such civic issue")
        async for row, views in event_rows(info, issue_topic(pk), stream_cursor(after)):
            yield CivicIssueEvent.shared(row, views)

    @strawberry.subscription(
        description="Every civic-issue event of a district, or of the city without one.",
        extensions=[requires()],
    )
    async def civic_issues_feed(
        self, info: Info, district: relay.GlobalID | None = None, after: str | None = None
    ) -> AsyncGenerator[CivicIssueEvent, None]:
        topic = CITY_TOPIC
        if district is not None:
            field = "Subscription.civicIssuesFeed(district:)"
            pk = id_of(district, "District", field)
            if not await District.exists(id=pk):
                raise not_found(field, "no such district")
            topic = district_topic(pk)
        async for row, views in event_rows(info, topic, stream_cursor(after)):
            yield CivicIssueEvent.shared(row, views)
