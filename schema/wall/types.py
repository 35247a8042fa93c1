"""What a dispatch centre's wall screen shows (api/static/wall/): headline figures, the open
orders of its board, an hour-by-hour chart and the points of its map."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.civic import CivicStatus
from models.dispatch import OrderStatus, ServiceCategory, Urgency
from models.events import Event
from models.organizations import OrganizationCategory
from schema.core.context import Info
from schema.dispatch.types import DispatchCenterType, WallEvent
from schema.geography.loaders import DISTRICT
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from schema.stations.types import StationType
from schema.statistics.types import OrderStatusCount
from schema.wall.loaders import SESSION_COUNTS
from services import wall
from services.activities import ActivityEventType
from services.wall import activities as wall_activities
from services.wall.activities import WallSession
from subscriptions.events import encode_cursor


@strawberry.type(description="An open order as a wall shows it: no requester, address or text.")
class WallOrder:
    id: relay.GlobalID = strawberry.field(
        description="This card's own ID (a WallOrder's, not the ServiceOrder's), so that a "
        "normalising cache (Relay, Apollo) keeps the card apart from the order."
    )
    order_id: relay.GlobalID = strawberry.field(
        description="The order shown (a ServiceOrder ID, as in DispatchEvent.orderId)."
    )
    status: OrderStatus = strawberry.field(description="Where it is in its life.")
    category: ServiceCategory = strawberry.field(description="Kind of help.")
    urgency: Urgency = strawberry.field(description="How soon help is needed.")
    location: GeoPoint = strawberry.field(
        description=f"Map point, rounded to {wall.MAP_DECIMALS} decimals (about 100 m)."
    )
    window_start: datetime = strawberry.field(description="Help wanted from.")
    window_end: datetime = strawberry.field(description="Help wanted until.")
    routed_at: datetime = strawberry.field(description="When this centre received it.")
    due_at: datetime | None = strawberry.field(
        description="When it is overdue: unassigned past the centre's escalation time, or not "
        "started by the start of its window. Null once in progress."
    )
    overdue: bool = strawberry.field(description="dueAt has passed (at asOf).")
    district_id: strawberry.Private[int]

    @strawberry.field(description="The district of its address.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @classmethod
    def from_order(cls, order: wall.WallOrder, as_of: datetime) -> WallOrder:
        return cls(
            id=relay.GlobalID("WallOrder", str(order.id)),
            order_id=relay.GlobalID("ServiceOrder", str(order.id)),
            status=order.status,
            category=order.category,
            urgency=order.urgency,
            location=GeoPoint(lat=order.lat, lng=order.lng),
            window_start=order.window_start,
            window_end=order.window_end,
            routed_at=order.routed_at,
            due_at=order.due_at,
            overdue=order.due_at is not None and order.due_at <= as_of,
            district_id=order.district_id,
        )


@strawberry.type(description="A session held today, as the wall's activities panel shows it.")
class WallActivitySession:
    id: relay.GlobalID = strawberry.field(description="The session (an ActivitySession ID).")
    activity_id: relay.GlobalID = strawberry.field(description="Its activity.")
    title: str = strawberry.field(description="The activity's title.")
    category: OrganizationCategory = strawberry.field(description="The activity's category.")
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End.")
    filled: int = strawberry.field(description="Places confirmed.")
    quota: int = strawberry.field(description="Places in all (the positions' quotas).")
    district_id: strawberry.Private[int]

    @strawberry.field(description="The activity's district.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @classmethod
    def from_session(cls, session: WallSession) -> WallActivitySession:
        return cls(
            id=relay.GlobalID("ActivitySession", str(session.id)),
            activity_id=relay.GlobalID("Activity", str(session.activity_id)),
            title=session.title,
            category=session.category,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            filled=session.filled,
            quota=session.quota,
            district_id=session.district_id,
        )


@strawberry.type(
    description="Something that happened to an activity of the centre's area (`dispatchFeed`): "
    "a sign-up, a promotion from the waiting list, a cancellation, a state change; with the "
    "session's places as they are when the event is delivered."
)
class WallActivityEvent(WallEvent):
    activity_event_type: ActivityEventType = strawberry.field(description="What happened.")
    activity_id: relay.GlobalID = strawberry.field(description="The activity.")
    session_id: relay.GlobalID | None = strawberry.field(
        description="The session concerned; null for the activity as a whole."
    )
    row: strawberry.Private[Event]
    # Marks the payload as the same for every subscriber of the event (schema/fanout/execution.py).
    event_id: strawberry.Private[int]

    @classmethod
    def shared(cls, row: Event, views: dict[str, Any]) -> WallActivityEvent:
        """One payload object per event for all its subscribers (`views`: the hub's)."""
        event = views.get("WallActivityEvent")
        if event is None:
            session = row.payload.get("sessionId")
            event = views["WallActivityEvent"] = cls(
                cursor=encode_cursor(row.id),
                occurred_at=row.created_at,
                note="",
                activity_event_type=ActivityEventType(row.type),
                activity_id=relay.GlobalID("Activity", str(row.payload["activityId"])),
                session_id=relay.GlobalID("ActivitySession", str(session)) if session else None,
                row=row,
                event_id=row.id,
            )
        assert isinstance(event, WallActivityEvent)
        return event

    async def _counts(self, info: Info) -> tuple[int, int] | None:
        session = self.row.payload.get("sessionId")
        return await SESSION_COUNTS.load(info, int(session)) if session else None

    @strawberry.field(description="The session's places confirmed now; null without a session.")
    async def filled(self, info: Info) -> int | None:
        counts = await self._counts(info)
        return counts[0] if counts else None

    @strawberry.field(description="The session's places in all; null without a session.")
    async def quota(self, info: Info) -> int | None:
        counts = await self._counts(info)
        return counts[1] if counts else None


@strawberry.type(description="How many of a centre's civic issues are in one open status.")
class WallCivicCount:
    status: CivicStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Issues in it now (0 included).")


@strawberry.type(description="The area a centre answers for, to draw without map tiles.")
class WallMap:
    districts: list[DistrictType] = strawberry.field(
        description="Districts it covers, whole or in part (the city centre: all)."
    )
    communities: list[CommunityType] = strawberry.field(
        description="Communities it covers (a whole district: all of its communities)."
    )
    stations: list[StationType] = strawberry.field(
        description=f"Stations in the area (at most {wall.STATION_LIMIT})."
    )


@strawberry.type(
    name="WallSnapshot",
    description="Everything a dispatch centre's wall screen shows, consistent with the event "
    "log at `cursor`: subscribe to `dispatchFeed` after it and apply the events on top. "
    "Today is Huizhou's calendar day (Asia/Shanghai).",
)
class WallSnapshotType:
    center: DispatchCenterType = strawberry.field(description="The centre.")
    as_of: datetime = strawberry.field(description="When the snapshot was read.")
    day_start: datetime = strawberry.field(description="Midnight today in Huizhou, in UTC.")
    cursor: str = strawberry.field(
        description="The event log position the snapshot reflects: pass it as `after` to "
        "`dispatchFeed` to receive every later event, none twice."
    )
    orders_today: int = strawberry.field(description="Orders this centre received today.")
    orders_per_hour: list[int] = strawberry.field(
        description="Of ordersToday, per hour of the day: 24 entries, 00:00-01:00 first."
    )
    served_today: int = strawberry.field(description="Orders of this centre completed today.")
    ratings: int = strawberry.field(
        description=f"Ratings of its orders in the last {wall.SATISFACTION_DAYS} days."
    )
    satisfied_ratings: int = strawberry.field(description="Of ratings, those of 4 or 5 stars.")
    satisfaction_rate: float | None = strawberry.field(
        description="satisfiedRatings ÷ ratings, 0-1; null without ratings."
    )
    volunteers_on_duty: int = strawberry.field(
        description="Volunteers checked in on one of its orders now."
    )
    open_orders: list[OrderStatusCount] = strawberry.field(
        description="Its open orders (submitted, assigned, accepted, in progress) by status."
    )
    overdue_orders: int = strawberry.field(description="Of its open orders, those overdue.")
    civic_issues: list[WallCivicCount] = strawberry.field(
        description="Its open civic issues (数字城管) by status: reported, filed, dispatched, "
        "rectifying."
    )
    civic_issues_overdue: int = strawberry.field(
        description="Of its open cases, those past their rectification deadline."
    )
    civic_issues_filed: int = strawberry.field(
        description=f"Its civic issues reported in the last {wall.RECTIFICATION_DAYS} days and "
        "ever filed as a case."
    )
    civic_issues_rectified: int = strawberry.field(
        description="Of those, the ones whose fix stands (rectified or verified)."
    )
    civic_issue_rectification_rate: float | None = strawberry.field(
        description="civicIssuesRectified ÷ civicIssuesFiled, 0-1; null when none was filed."
    )
    orders: list[WallOrder] = strawberry.field(
        description=f"Its open orders, soonest window first (at most {wall.ORDER_LIMIT})."
    )
    orders_truncated: bool = strawberry.field(
        description="More open orders exist than `orders` lists."
    )
    map: WallMap = strawberry.field(description="Points of its area for the map.")
    activities: list[WallActivitySession] = strawberry.field(
        description="Today's sessions of published activities in the districts of its map, "
        f"earliest first (at most {wall_activities.SESSION_LIMIT}), with places filled of "
        "the quota; `dispatchFeed` carries their changes (`WallActivityEvent`)."
    )

    @classmethod
    def from_snapshot(cls, snapshot: wall.WallSnapshot) -> WallSnapshotType:
        area = snapshot.area
        open_total = sum(snapshot.open_by_status.values())
        return cls(
            center=DispatchCenterType.from_model(snapshot.center),
            as_of=snapshot.as_of,
            day_start=snapshot.day_start,
            cursor=snapshot.cursor,
            orders_today=snapshot.orders_today,
            orders_per_hour=snapshot.orders_per_hour,
            served_today=snapshot.served_today,
            ratings=snapshot.satisfaction.denominator,
            satisfied_ratings=snapshot.satisfaction.numerator,
            satisfaction_rate=snapshot.satisfaction.value,
            volunteers_on_duty=snapshot.volunteers_on_duty,
            open_orders=[
                OrderStatusCount(status=status, count=count)
                for status, count in snapshot.open_by_status.items()
            ],
            overdue_orders=snapshot.overdue,
            civic_issues=[
                WallCivicCount(status=status, count=count)
                for status, count in snapshot.civic.open_by_status.items()
            ],
            civic_issues_overdue=snapshot.civic.overdue,
            civic_issues_filed=snapshot.civic.rectification.denominator,
            civic_issues_rectified=snapshot.civic.rectification.numerator,
            civic_issue_rectification_rate=snapshot.civic.rectification.value,
            orders=[WallOrder.from_order(o, snapshot.as_of) for o in snapshot.orders],
            orders_truncated=open_total > len(snapshot.orders),
            map=WallMap(
                districts=[DistrictType.from_model(d) for d in area.districts],
                communities=[CommunityType.from_model(c) for c in area.communities],
                stations=[StationType.from_model(s) for s in area.stations],
            ),
            activities=[WallActivitySession.from_session(s) for s in snapshot.activities],
        )
