"""Live streams. Each replays from the cursor, then continues live; each event carries its
cursor. The context lives as long as the WebSocket, so every event gets fresh DataLoaders — the
event's own, shared by its subscribers (schema/fanout.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry import relay

from models.accounts import Role
from schema.context import Info
from schema.dispatch.types import DispatchEvent
from schema.errors import access_error
from schema.fanout import audience_of
from schema.relay import bad_input, decode_id
from services import lookups
from services.dispatch import STAFF, assignment_topics, center_topic, order_topic
from services.errors import NotAuthenticated, NotPermitted
from subscriptions.events import decode_cursor


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    value = decode_cursor(after)
    if value is None:
        raise bad_input("`after` is not a cursor of this stream.")
    return value


async def _events(
    info: Info, topics: str | list[str], after: int | None
) -> AsyncGenerator[DispatchEvent, None]:
    """The stream's rows, as one payload object per event shared by all its subscribers: the
    executor (schema/fanout.py) gives each event fresh loaders shared by its subscribers, and
    one execution to all subscribers of the same document and audience."""
    hub = info.context.hub
    if hub is None:
        raise GraphQLError("Subscriptions are not available here.")
    if info.context.audience is None:
        info.context.audience = await audience_of(info.context)
    async for row in hub.stream(topics, after):
        yield DispatchEvent.shared(row, hub.views(row.id))


def _signed_in(info: Info) -> int:
    user_id = info.context.principal.user_id
    if user_id is None:
        raise access_error(NotAuthenticated())
    return user_id


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A dispatch centre's wall: every order event of it (DISPATCHER, WALL_DISPLAY)."
    )
    async def dispatch_feed(
        self, info: Info, dispatch_center_id: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[DispatchEvent, None]:
        _signed_in(info)
        if not info.context.principal.has_role(*STAFF, Role.WALL_DISPLAY):
            raise access_error(NotPermitted("Dispatch staff and wall screens only."))
        center = decode_id(dispatch_center_id, "DispatchCenter") or -1
        async for event in _events(info, center_topic(center), _cursor(after)):
            yield event

    @strawberry.subscription(
        description="Your own assignments and changes to them, and every event of the orders "
        "assigned to an organisation you are an approved member or admin of, which any of its "
        "members may take (volunteers)."
    )
    async def my_assignments(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[DispatchEvent, None]:
        volunteer = await lookups.volunteer_of_user(_signed_in(info))
        if volunteer is None:
            raise access_error(NotPermitted("Register as a volunteer first."))
        topics = await assignment_topics(volunteer.id)
        async for event in _events(info, topics, _cursor(after)):
            yield event

    @strawberry.subscription(description="Follow one order (its requester, or dispatch staff).")
    async def order_updated(
        self, info: Info, order_id: relay.GlobalID, after: str | None = None
    ) -> AsyncGenerator[DispatchEvent, None]:
        user_id = _signed_in(info)
        pk = decode_id(order_id, "ServiceOrder") or -1
        row = await info.context.loaders.order.load(pk)
        staff = info.context.principal.has_role(*STAFF, Role.WALL_DISPLAY)
        if row is None or not (staff or row.requester_id == user_id):
            raise access_error(NotPermitted("Only the requester or dispatch staff follow this."))
        async for event in _events(info, order_topic(pk), _cursor(after)):
            yield event
