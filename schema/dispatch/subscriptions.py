"""Live streams. Each replays from the cursor, then continues live; each event carries its
cursor. The context lives as long as the WebSocket, so every event gets fresh DataLoaders — the
event's own, shared by its subscribers (schema/fanout/execution.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay

from models.accounts import Role
from models.events import Event
from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.permissions import requires
from schema.core.relay import bad_input, id_of, not_found
from schema.dispatch.loaders import ORDER
from schema.dispatch.types import DispatchEvent, WallEvent
from schema.fanout.execution import audience_of
from services.activities import ACTIVITY_EVENT_TYPES, activity_district_topic
from services.civic.events import CIVIC_EVENT_TYPES
from services.common.errors import NotPermitted
from services.common.principal import Scope
from services.dispatch import (
    STAFF,
    assignment_topics,
    center_family,
    center_topic,
    order_topic,
)
from services.dispatch.orders import is_requester
from services.volunteers import lookups as volunteer_lookups
from services.wall.activities import area_district_ids
from subscriptions.events import decode_cursor


def stream_cursor(after: str | None) -> int | None:
    if after is None:
        return None
    value = decode_cursor(after)
    if value is None:
        raise bad_input("`after` is not a cursor of this stream.")
    return value


async def event_rows(
    info: Info, topics: str | list[str], after: int | None
) -> AsyncGenerator[tuple[Event, dict[str, Any]], None]:
    """The stream's rows (of one topic or several), each with the hub's views of it, where its
    one payload object for all subscribers is kept: the executor (schema/fanout/execution.py)
    gives each event fresh loaders shared by its subscribers, and one execution to all
    subscribers of the same document and audience."""
    hub = info.context.hub
    if hub is None:
        raise GraphQLError("Subscriptions are not available here.")
    if info.context.audience is None:
        info.context.audience = await audience_of(info.context)
    async for row in hub.stream(topics, after):
        yield row, hub.views(row.id)


async def _events(
    info: Info, topics: str | list[str], after: int | None
) -> AsyncGenerator[DispatchEvent, None]:
    async for row, views in event_rows(info, topics, after):
        yield DispatchEvent.shared(row, views)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A dispatch centre's wall: every event of its orders (`DispatchEvent`) and "
        "of the civic issues it follows (`CivicIssueEvent`), and of the centres below it, and "
        "of the activities in the districts of its map (`WallActivityEvent`), in one ordered "
        "stream.",
        # Apps follow a centre with the `dispatch` scope, which grants what the role would.
        extensions=[requires(*STAFF, Role.WALL_DISPLAY, scopes=[Scope.DISPATCH])],
    )
    async def dispatch_feed(
        self, info: Info, dispatch_center: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[WallEvent, None]:
        # Here, not at the top: schema.civic and schema.wall build on schema.dispatch's types.
        from schema.civic.types import CivicIssueEvent
        from schema.wall.types import WallActivityEvent

        field = "Subscription.dispatchFeed(dispatchCenter:)"
        center = id_of(dispatch_center, "DispatchCenter", field)
        # The centre and those below it: the city centre's wall sees the whole city. Centres
        # added later join the next subscription.
        family = await center_family(center)
        if not family:
            raise not_found(field, "no such dispatch centre")
        topics = [center_topic(c) for c in family]
        # And the activities of its map's districts, for the wall's activities panel.
        topics += [activity_district_topic(d) for d in await area_district_ids(center)]
        async for row, views in event_rows(info, topics, stream_cursor(after)):
            if row.type in CIVIC_EVENT_TYPES:
                yield CivicIssueEvent.shared(row, views)
            elif row.type in ACTIVITY_EVENT_TYPES:
                yield WallActivityEvent.shared(row, views)
            else:
                yield DispatchEvent.shared(row, views)

    @strawberry.subscription(
        description="Your own assignments and changes to them, and every event of the orders "
        "assigned to an organisation you are an approved member or admin of, which any of its "
        "members may take (volunteers).",
        extensions=[requires()],
    )
    async def my_assignments(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[DispatchEvent, None]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        if volunteer is None:
            raise access_error(NotPermitted("Register as a volunteer first."))
        topics = await assignment_topics(volunteer.id)
        async for event in _events(info, topics, stream_cursor(after)):
            yield event

    @strawberry.subscription(
        description="Follow one order (its requester, or dispatch staff).",
        extensions=[requires()],
    )
    async def order_updated(
        self, info: Info, order: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[DispatchEvent, None]:
        principal = info.context.principal
        pk = id_of(order, "ServiceOrder", "Subscription.orderUpdated(order:)")
        row = await ORDER.load(info, pk)
        if row is None or not (principal.has_role(*STAFF) or is_requester(principal, row)):
            raise access_error(NotPermitted("Only the requester or dispatch staff follow this."))
        async for event in _events(info, order_topic(pk), stream_cursor(after)):
            yield event
