from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models.dispatch import (
    AssignmentStatus,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    RecordFlag,
    RecordStatus,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
    Urgency,
)
from models.events import Event
from models.volunteers import Skill, unpack_tags
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import database_ids, load_nodes
from schema.core.scalars import hundredths
from schema.dispatch.loaders import (
    ASSIGNMENTS_OF_ORDER,
    COVERAGE_OF_CENTER,
    DISPATCH_CENTER,
    ORDER,
    PAYMENT_OF_ORDER,
)
from schema.dispatch.visibility import visible_assignments, visible_records
from schema.geography.loaders import COMMUNITY, DISTRICT
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from schema.organizations.loaders import ORGANIZATION
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services import wall
from services.dispatch import STAFF, DispatchEventType
from services.dispatch.errors import DispatchErrorCode
from services.dispatch.matching import Suggestion
from services.dispatch.orders import is_requester
from services.dispatch.places import holds_place
from services.volunteers import lookups as volunteer_lookups
from subscriptions.events import encode_cursor

if TYPE_CHECKING:
    from schema.organizations.types import OrganizationType
    from schema.timebank.types import OrderPaymentType

strawberry.enum(CenterLevel, description="City, district or street level.")
strawberry.enum(ServiceCategory, description="Kind of help asked for.")
strawberry.enum(Urgency, description="How soon help is needed.")
strawberry.enum(OrderStatus, description="Where an order is in its life.")
strawberry.enum(AssignmentStatus, description="An assignment's state.")
strawberry.enum(RecordStatus, description="Whether hours count yet.")
strawberry.enum(
    RecordFlag,
    description="An anomaly of a service record, shown to the confirmer: BEYOND_WINDOW (checked "
    "out after the window: the hours were cut at its end), OVERLAPS (another record of the "
    "volunteer covers part of the time), FAR_CHECK_IN / FAR_CHECK_OUT (beyond the place's radius, "
    "within the accepted tolerance), MANUAL (hours typed by a person, not attended).",
)
strawberry.enum(DispatchErrorCode, description="Why dispatch refused.")
strawberry.enum(DispatchEventType, description="What happened.")


@strawberry.type(name="DispatchCenter", description="A dispatch centre (调度中心).")
class DispatchCenterType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name.")
    level: CenterLevel = strawberry.field(description="Level.")
    auto_assign: bool = strawberry.field(description="Assigns new orders automatically.")
    escalate_after_minutes: int = strawberry.field(description="Unassigned this long, escalate.")
    row: strawberry.Private[DispatchCenter]

    @classmethod
    def from_model(cls, row: DispatchCenter) -> DispatchCenterType:
        return cls(
            id=row.id,
            name=row.name,
            level=row.level,
            auto_assign=row.auto_assign,
            escalate_after_minutes=row.escalate_after_minutes,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(DispatchCenter, node_ids, cls.from_model)

    @strawberry.field(description="The districts this centre answers for, whole.")
    async def covered_districts(self, info: Info) -> list[DistrictType]:
        coverage = await COVERAGE_OF_CENTER.load(info, self.id)
        ids = [c.district_id for c in coverage if c.community_id is None]
        rows = await DISTRICT.load_many(info, ids)
        return [DistrictType.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="Single communities this centre answers for (a street's).")
    async def covered_communities(self, info: Info) -> list[CommunityType]:
        coverage = await COVERAGE_OF_CENTER.load(info, self.id)
        ids = [c.community_id for c in coverage if c.community_id is not None]
        rows = await COMMUNITY.load_many(info, ids)
        return [CommunityType.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="The centre orders escalate to; null for the city centre.")
    async def parent(self, info: Info) -> DispatchCenterType | None:
        if self.row.parent_id is None:
            return None
        row = await DISPATCH_CENTER.load(info, self.row.parent_id)
        return DispatchCenterType.from_model(row) if row else None


@strawberry.type(name="OrderAssignment", description="A volunteer or organisation serving.")
class AssignmentType(relay.Node):
    id: relay.NodeID[int]
    status: AssignmentStatus = strawberry.field(description="State.")
    assigned_at: datetime = strawberry.field(description="When assigned.")
    checked_in_at: datetime | None = strawberry.field(description="Check-in time.")
    checked_out_at: datetime | None = strawberry.field(description="Check-out time.")
    row: strawberry.Private[OrderAssignment]

    @classmethod
    def from_model(cls, row: OrderAssignment) -> AssignmentType:
        return cls(
            id=row.id,
            status=row.status,
            assigned_at=row.assigned_at,
            checked_in_at=row.checked_in_at,
            checked_out_at=row.checked_out_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        rows = await visible_assignments(info.context, ids)
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    @strawberry.field(description="The volunteer; null while an organisation holds it.")
    async def volunteer(self, info: Info) -> VolunteerType | None:
        if self.row.volunteer_id is None:
            return None
        row = await VOLUNTEER.load(info, self.row.volunteer_id)
        return VolunteerType.from_model(row) if row else None

    @strawberry.field(
        description="The order served: whoever sees the assignment sees its order, so that "
        "acceptAssignment, declineAssignment and checkIn results update the order card."
    )
    async def order(self, info: Info) -> OrderType:
        row = await ORDER.load(info, self.row.order_id)
        assert row is not None  # an assignment's order is never deleted
        return OrderType.from_model(row)

    @strawberry.field(
        description="The organisation holding the assignment (to pass to its members), or "
        "the one it was taken through; null for a volunteer assigned directly."
    )
    async def organization(
        self, info: Info
    ) -> Annotated[OrganizationType, strawberry.lazy("schema.organizations.types")] | None:
        from schema.organizations.types import OrganizationType

        if self.row.organization_id is None:
            return None
        row = await ORGANIZATION.load(info, self.row.organization_id)
        return OrganizationType.from_model(row) if row else None


def _location(root: OrderType, info: Info) -> GeoPoint:
    if info.context.principal.is_wall_screen:
        return GeoPoint(
            lat=round(root.row.lat, wall.MAP_DECIMALS), lng=round(root.row.lng, wall.MAP_DECIMALS)
        )
    return GeoPoint(lat=root.row.lat, lng=root.row.lng)


@strawberry.type(name="ServiceOrder", description="A resident's request for help (订单).")
class OrderType(relay.Node):
    id: relay.NodeID[int]
    status: OrderStatus = strawberry.field(description="Lifecycle state.")
    category: ServiceCategory = strawberry.field(description="Kind of help.")
    description: str = strawberry.field(description="What is needed.")
    address: str = strawberry.field(description="Where.")
    location: GeoPoint = strawberry.field(
        resolver=_location,
        description="Map point of the address; for a wall screen rounded to "
        f"{wall.MAP_DECIMALS} decimals (about 100 m), as the wall shows it.",
    )
    window_start: datetime = strawberry.field(description="Help wanted from.")
    window_end: datetime = strawberry.field(description="Help wanted until.")
    volunteers_needed: int = strawberry.field(description="How many volunteers.")
    required_skills: list[Skill] = strawberry.field(description="Skills needed.")
    urgency: Urgency = strawberry.field(description="Urgency.")
    rating: int | None = strawberry.field(description="1-5 from the requester.")
    rating_comment: str = strawberry.field(description="The requester's comment.")
    created_at: datetime = strawberry.field(description="When submitted.")
    row: strawberry.Private[ServiceOrder]

    @classmethod
    def from_model(cls, row: ServiceOrder) -> OrderType:
        return cls(
            id=row.id,
            status=row.status,
            category=row.category,
            description=row.description,
            address=row.address,
            window_start=row.window_start,
            window_end=row.window_end,
            volunteers_needed=row.volunteers_needed,
            required_skills=[Skill(s) for s in unpack_tags(row.required_skills)],
            urgency=row.urgency,
            rating=row.rating,
            rating_comment=row.rating_comment,
            created_at=row.created_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        from services.dispatch.orders import visible_orders

        principal = info.context.principal
        if not principal.is_authenticated:
            return [None for _ in node_ids]
        volunteer = await volunteer_lookups.volunteer_of_user(principal.user_id or -1)
        query = visible_orders(principal, volunteer.id if volunteer else None)
        ids = database_ids(node_ids)
        rows = {r.id: r for r in await query.filter(id__in=ids)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    @strawberry.field(description="The centre following this order now.")
    async def dispatch_center(self, info: Info) -> DispatchCenterType:
        row = await DISPATCH_CENTER.load(info, self.row.dispatch_center_id)
        assert row is not None
        return DispatchCenterType.from_model(row)

    @strawberry.field(description="District of the address.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.row.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Who serves, or served, this order.")
    async def assignments(self, info: Info) -> list[AssignmentType]:
        rows = await ASSIGNMENTS_OF_ORDER.load(info, self.row.id)
        return [AssignmentType.from_model(r) for r in rows]

    @strawberry.field(
        description="How many volunteers hold a place (assigned, accepted, checked in or out), "
        "of `volunteersNeeded`."
    )
    async def places_taken(self, info: Info) -> int:
        rows = await ASSIGNMENTS_OF_ORDER.load(info, self.row.id)
        return sum(1 for r in rows if holds_place(r))

    @strawberry.field(
        description="The requester paid for it with time-bank credits (社区服务银行)."
    )
    async def paid_by_time_bank(self, info: Info) -> bool:
        return await PAYMENT_OF_ORDER.load(info, self.row.id) is not None

    @strawberry.field(
        description="How it was paid with time-bank credits, and refunded if it was cancelled "
        "or expired: for the requester and staff; null otherwise, or when not paid so."
    )
    async def time_bank_payment(
        self, info: Info
    ) -> Annotated[OrderPaymentType, strawberry.lazy("schema.timebank.types")] | None:
        from schema.timebank.types import OrderPaymentType

        principal = info.context.principal
        if not (principal.has_role(*STAFF) or is_requester(principal, self.row)):
            return None
        row = await PAYMENT_OF_ORDER.load(info, self.row.id)
        return OrderPaymentType.from_model(row) if row else None


@strawberry.type(
    name="ServiceRecord", description="Hours served on an order or at an activity's session."
)
class RecordType(relay.Node):
    id: relay.NodeID[int]
    status: RecordStatus = strawberry.field(description="Pending until decided.")
    hours: Decimal = strawberry.field(
        description="Hours, two decimals: the attendance clipped to the order's or session's "
        "window (once confirmed, the hours counted)."
    )
    started_at: datetime = strawberry.field(description="Check-in (from the window's start).")
    ended_at: datetime = strawberry.field(description="Check-out (until the window's end).")
    correction_hours: Decimal | None = strawberry.field(description="Hours the volunteer asks for.")
    correction_note: str = strawberry.field(description="Why.")
    flags: list[RecordFlag] = strawberry.field(
        description="What the confirmer should look at before counting it; empty when nothing "
        "is odd."
    )
    order_id: relay.GlobalID | None = strawberry.field(
        description="The order served; null for an activity's record."
    )
    sign_up_id: relay.GlobalID | None = strawberry.field(
        description="The activity sign-up attended; null for an order's record."
    )

    row: strawberry.Private[ServiceRecord]

    @classmethod
    def from_model(cls, row: ServiceRecord) -> RecordType:
        return cls(
            id=row.id,
            status=row.status,
            hours=hundredths(row.hours),
            started_at=row.started_at,
            ended_at=row.ended_at,
            correction_hours=(
                None if row.correction_hours is None else hundredths(row.correction_hours)
            ),
            correction_note=row.correction_note,
            row=row,
            flags=[RecordFlag(f) for f in unpack_tags(row.flags or "")],
            order_id=relay.GlobalID("ServiceOrder", str(row.order_id)) if row.order_id else None,
            sign_up_id=relay.GlobalID("ActivitySignUp", str(row.sign_up_id))
            if row.sign_up_id
            else None,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        rows = await visible_records(info.context, ids)
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    @strawberry.field(
        description="The order served (null for an activity's record); whoever sees the "
        "record sees its order."
    )
    async def order(self, info: Info) -> OrderType | None:
        if self.row.order_id is None:
            return None
        row = await ORDER.load(info, self.row.order_id)
        assert row is not None  # a service record's order is never deleted
        return OrderType.from_model(row)


@strawberry.type(name="ScorePart", description="One part of a suggestion's score, and why.")
class ScorePartType:
    name: str = strawberry.field(
        description="category (30), skills (20), qualification (15), distance (15), "
        "availability (8), load (6), experience (6)."
    )
    points: float = strawberry.field(description="Points earned.")
    max_points: float = strawberry.field(description="Points possible.")
    reason: str = strawberry.field(description="Why.")


@strawberry.type(name="VolunteerSuggestion", description="A ranked candidate for an order.")
class SuggestionType:
    volunteer: VolunteerType = strawberry.field(description="The candidate.")
    score: float = strawberry.field(description="0-100.")
    distance_km: float | None = strawberry.field(description="From home, if known.")
    parts: list[ScorePartType] = strawberry.field(description="The score's parts.")

    @classmethod
    def from_suggestion(cls, s: Suggestion) -> SuggestionType:
        return cls(
            volunteer=VolunteerType.from_model(s.volunteer),
            score=s.score,
            distance_km=s.distance_km,
            parts=[
                ScorePartType(
                    name=p.name, points=p.points, max_points=p.max_points, reason=p.reason
                )
                for p in s.parts
            ],
        )


@strawberry.interface(
    description="One event of a dispatch centre's wall (`dispatchFeed`): an order's "
    "(`DispatchEvent`: type, status, orderId) or a civic issue's (`CivicIssueEvent`: "
    "eventType, issueStatus, civicIssueId). Select the fields they share here and the rest "
    "with `... on DispatchEvent { }` / `... on CivicIssueEvent { }`; no field names clash, so "
    "one document takes both without aliases."
)
class WallEvent:
    cursor: str = strawberry.field(description="Pass as `after` to resume after this event.")
    occurred_at: datetime = strawberry.field(description="When it was committed.")
    note: str = strawberry.field(description="Reason or remark.")


@strawberry.type(description="Something that happened to an order, with its stream cursor.")
class DispatchEvent(WallEvent):
    type: DispatchEventType = strawberry.field(description="What happened.")
    status: OrderStatus = strawberry.field(description="The order's status after it.")
    order_id: relay.GlobalID = strawberry.field(description="The order.")
    row: strawberry.Private[Event]
    # Marks the payload as the same for every subscriber of the event (schema/fanout/execution.py).
    event_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Event) -> DispatchEvent:
        return cls(
            cursor=encode_cursor(row.id),
            type=DispatchEventType(row.type),
            occurred_at=row.created_at,
            status=OrderStatus(row.payload["status"]),
            note=str(row.payload.get("note", "")),
            order_id=relay.GlobalID("ServiceOrder", str(row.payload["orderId"])),
            row=row,
            event_id=row.id,
        )

    @classmethod
    def shared(cls, row: Event, views: dict[str, Any]) -> DispatchEvent:
        """One payload object per event for all its subscribers (`views`: the hub's)."""
        event = views.get("DispatchEvent")
        if event is None:
            event = views["DispatchEvent"] = cls.from_row(row)
        assert isinstance(event, DispatchEvent)
        return event

    @strawberry.field(
        description="The order as it is when the event is delivered (read once per event for "
        "all subscribers)."
    )
    async def order(self, info: Info) -> OrderType | None:
        row = await ORDER.load(info, int(self.row.payload["orderId"]))
        return OrderType.from_model(row) if row else None


@strawberry.type(description="A problem with a dispatch request.")
class DispatchError(DomainErrorType[DispatchErrorCode]):
    pass


@payload_type(description="The dispatch centre after the change, or why nothing changed.")
class DispatchCenterPayload(Payload[DispatchError]):
    dispatch_center: DispatchCenterType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="The order after the change, or why nothing changed.")
class OrderPayload(Payload[DispatchError]):
    order: OrderType | None = strawberry.field(
        default=None, description="Null when errors is not empty."
    )
    event_cursor: str | None = strawberry.field(
        default=None,
        description="submitOrder: the stream cursor of the order's ORDER_SUBMITTED event. Pass "
        "it as `after` to `orderUpdated` (or `dispatchFeed`) to receive every later event of "
        "the order, an automatic assignment made meanwhile included. Null from other mutations "
        "and on errors.",
    )


@payload_type(description="The assignment after the change, or why nothing changed.")
class AssignmentPayload(Payload[DispatchError]):
    assignment: AssignmentType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="The service record after the change, or why nothing changed.")
class ServiceRecordPayload(Payload[DispatchError]):
    record: RecordType | None = strawberry.field(default=None, description="Null on errors.")


@strawberry.type(description="A record that was not confirmed, and why.")
class RecordRefusal:
    record: relay.GlobalID = strawberry.field(description="The record named.")
    error: DispatchError = strawberry.field(description="Why it was not confirmed.")


@payload_type(description="What a bulk confirmation did: the records confirmed and the refusals.")
class ConfirmServiceRecordsPayload(Payload[DispatchError]):
    confirmed: list[RecordType] = strawberry.field(
        default_factory=list, description="Confirmed now, each counted once."
    )
    refused: list[RecordRefusal] = strawberry.field(
        default_factory=list, description="Each record not confirmed, with its coded reason."
    )


@strawberry.type(
    name="AttendanceCode", description="The rotating code to show on site, and its QR symbol."
)
class AttendanceCodeType:
    code: str = strawberry.field(description="Eight characters; volunteers scan or type it.")
    valid_until: datetime = strawberry.field(
        description="When the next code replaces it (this one is still accepted one step more)."
    )
    qr_svg: str = strawberry.field(description="The code as a QR symbol, an SVG document.")
