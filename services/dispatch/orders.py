"""Service orders from the requester's side: submission (routed to the most local centre),
cancellation, rating, and the lists each person may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.dispatch import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    ServiceCategory,
    ServiceOrder,
    Urgency,
)
from models.geography import Community, District
from models.volunteers import Skill, pack_tags
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.identity import normalise_phone
from services.common.principal import Principal
from services.dispatch import (
    OPEN_ORDER,
    STAFF,
    DispatchEventType,
    active_volunteer_ids,
    illegal,
    int_values,
    locked_order,
    move,
    record_transition,
    route,
)
from services.dispatch.errors import DispatchErrorCode
from services.dispatch.places import organization_orders_of
from services.timebank.refunds import refund_if_paid
from services.volunteers import CITY_BOUNDS
from subscriptions.events import EventTransaction, atomic


@dataclass
class NewOrder:
    category: ServiceCategory
    description: str
    address: str
    lat: float
    lng: float
    district_id: int
    window_start: datetime
    window_end: datetime
    community_id: int | None = None
    volunteers_needed: int = 1
    required_skills: list[Skill] = field(default_factory=list)
    urgency: Urgency = Urgency.NORMAL
    caller_name: str = ""
    caller_phone: str = ""


async def check_place(
    collector: Collector,
    address: str,
    lat: float,
    lng: float,
    district_id: int,
    community_id: int | None,
) -> None:
    """Where help is wanted: an address in Huizhou, in a known district (and community)."""
    if not 2 <= len(address.strip()) <= 256:
        collector.add(DispatchErrorCode.INVALID_ADDRESS, "Give the address (2-256).", "address")
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    if not (lat_min <= lat <= lat_max and lng_min <= lng <= lng_max):
        collector.add(
            DispatchErrorCode.INVALID_LOCATION, "The place must be in Huizhou.", "location"
        )
    if not await District.exists(id=district_id):
        collector.add(DispatchErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
    elif community_id is not None and not await Community.exists(
        id=community_id, district_id=district_id
    ):
        collector.add(DispatchErrorCode.UNKNOWN_COMMUNITY, "No such community.", "community")


async def check_new_order(principal: Principal, data: NewOrder, now: datetime) -> None:
    """Every problem of a new order at once, as a DomainError."""
    collector = Collector()
    if not 2 <= len(data.description.strip()) <= 2000:
        collector.add(
            DispatchErrorCode.INVALID_DESCRIPTION, "Describe the need (2-2000).", "description"
        )
    await check_place(
        collector, data.address, data.lat, data.lng, data.district_id, data.community_id
    )
    if data.window_end <= data.window_start or data.window_end <= now:
        collector.add(
            DispatchErrorCode.INVALID_WINDOW,
            "The window must end after it starts, later than now.",
            "windowEnd",
        )
    elif data.window_end - data.window_start > timedelta(hours=24):
        collector.add(
            DispatchErrorCode.INVALID_WINDOW, "A window is at most 24 hours.", "windowEnd"
        )
    if not 1 <= data.volunteers_needed <= 50:
        collector.add(
            DispatchErrorCode.INVALID_VOLUNTEER_COUNT,
            "Ask for 1-50 volunteers.",
            "volunteersNeeded",
        )
    if (
        principal.has_role(*STAFF)
        and data.caller_phone
        and normalise_phone(data.caller_phone) is None
    ):
        collector.add(DispatchErrorCode.INVALID_PHONE, "Not a phone number.", "callerPhone")
    collector.raise_if_any()


async def open_order(
    tx: EventTransaction,
    principal: Principal,
    data: NewOrder,
    center: DispatchCenter,
    now: datetime,
) -> ServiceOrder:
    """Inside the caller's transaction: the checked order, routed to `center`, and its first
    transition and event. Used by `submit` and by the time bank, whose spending buys one."""
    user_id = principal.require_user()
    for_caller = principal.has_role(*STAFF) and bool(data.caller_name.strip())
    order = await ServiceOrder.create(
        requester_id=None if for_caller else user_id,
        entered_by_id=user_id,
        caller_name=data.caller_name.strip()[:64] if for_caller else "",
        caller_phone=(normalise_phone(data.caller_phone) or "") if for_caller else "",
        category=data.category,
        description=data.description.strip(),
        address=data.address.strip(),
        lat=data.lat,
        lng=data.lng,
        district_id=data.district_id,
        community_id=data.community_id,
        window_start=data.window_start,
        window_end=data.window_end,
        volunteers_needed=data.volunteers_needed,
        required_skills=pack_tags([s.value for s in data.required_skills]),
        urgency=data.urgency,
        dispatch_center_id=center.id,
        routed_at=now,
    )
    await record_transition(
        tx,
        order,
        None,
        OrderStatus.SUBMITTED,
        user_id,
        DispatchEventType.ORDER_SUBMITTED,
        f"routed to {center.name}",
    )
    return order


async def after_submit(order: ServiceOrder, center: DispatchCenter) -> ServiceOrder:
    """After the order's transaction committed: a centre that assigns by itself does so."""
    if center.auto_assign:
        from services.dispatch.assignments import auto_assign

        await auto_assign(order.id)
        await order.refresh_from_db()
    return order


@dataclass(frozen=True)
class Submission:
    order: ServiceOrder
    # The ORDER_SUBMITTED event: a stream resumed after it misses nothing that followed, the
    # automatic assignment of a centre that assigns by itself included.
    event_id: int


async def submit_recorded(principal: Principal, data: NewOrder) -> Submission:
    """A resident asks for help (一键提交); a dispatcher may enter it for a phone caller, who
    then has no account and is named instead."""
    principal.require_user()
    now = datetime.now(UTC)
    await check_new_order(principal, data, now)
    center = await route(data.district_id, data.community_id)
    async with atomic() as tx:
        order = await open_order(tx, principal, data, center, now)
    (submitted,) = tx.written
    return Submission(await after_submit(order, center), submitted)


async def submit(principal: Principal, data: NewOrder) -> ServiceOrder:
    return (await submit_recorded(principal, data)).order


def is_requester(principal: Principal, order: ServiceOrder) -> bool:
    return principal.user_id is not None and principal.user_id == order.requester_id


async def cancel(principal: Principal, order_id: int, reason: str = "") -> ServiceOrder:
    user_id = principal.require_user()
    if len(reason) > 500:
        raise DomainError(DispatchErrorCode.NOTE_TOO_LONG, "At most 500 characters.", "reason")
    async with atomic() as tx:
        order = await locked_order(order_id)
        if not (is_requester(principal, order) or principal.has_role(*STAFF)):
            raise NotPermitted("Only the requester or a dispatcher can cancel an order.")
        if order.status not in OPEN_ORDER:
            raise illegal(order, "cancel")
        volunteers = await active_volunteer_ids(order.id)
        await OrderAssignment.filter(order_id=order.id, status__in=OPEN_ASSIGNMENT).update(
            status=AssignmentStatus.CANCELLED
        )
        await move(
            tx,
            order,
            OrderStatus.CANCELLED,
            user_id,
            DispatchEventType.ORDER_CANCELLED,
            note=reason.strip(),
            volunteer_ids=volunteers,
        )
        # Bought with time-bank credits: refunded in this same transaction, once.
        await refund_if_paid(tx, order, user_id)
    return order


async def rate(principal: Principal, order_id: int, stars: int, comment: str = "") -> ServiceOrder:
    user_id = principal.require_user()
    collector = Collector()
    if not 1 <= stars <= 5:
        collector.add(DispatchErrorCode.INVALID_RATING, "Rate 1 to 5.", "rating")
    if len(comment) > 500:
        collector.add(DispatchErrorCode.NOTE_TOO_LONG, "At most 500 characters.", "comment")
    collector.raise_if_any()
    async with atomic() as tx:
        order = await locked_order(order_id)
        if not is_requester(principal, order):
            raise NotPermitted("Only the requester rates an order.")
        if order.status == OrderStatus.RATED:
            raise DomainError(DispatchErrorCode.ALREADY_RATED, "This order is already rated.")
        if order.status != OrderStatus.COMPLETED:
            raise illegal(order, "rate")
        volunteers = sorted(
            set(
                await int_values(
                    OrderAssignment.filter(order_id=order.id, status=AssignmentStatus.CHECKED_OUT),
                    "volunteer_id",
                )
            )
        )
        await move(
            tx,
            order,
            OrderStatus.RATED,
            user_id,
            DispatchEventType.ORDER_RATED,
            volunteer_ids=volunteers,
            updates={
                "rating": stars,
                "rating_comment": comment.strip(),
                "rated_at": datetime.now(UTC),
            },
        )
    return order


@dataclass
class OrderFilter:
    dispatch_center_id: int | None = None
    status: list[OrderStatus] | None = None
    category: ServiceCategory | None = None
    urgency: Urgency | None = None
    requester_id: int | None = None
    volunteer_id: int | None = None


def visible_orders(principal: Principal, volunteer_id: int | None) -> QuerySet[ServiceOrder]:
    """Staff see every order; others their own requests, the orders they serve, and the orders
    assigned to an organisation they are an approved member of (whose places they may take). A
    wall screen is not staff: it sees what the wall shows (services/wall/)."""
    query = ServiceOrder.all()
    if principal.has_role(*STAFF):
        return query
    mine = Q(requester_id=principal.user_id or -1)
    if volunteer_id is not None:
        mine |= Q(
            id__in=Subquery(OrderAssignment.filter(volunteer_id=volunteer_id).values("order_id"))
        )
        mine |= organization_orders_of(volunteer_id)
    return query.filter(mine)


def filtered(query: QuerySet[ServiceOrder], criteria: OrderFilter) -> QuerySet[ServiceOrder]:
    if criteria.dispatch_center_id is not None:
        query = query.filter(dispatch_center_id=criteria.dispatch_center_id)
    if criteria.status:
        query = query.filter(status__in=criteria.status)
    if criteria.category is not None:
        query = query.filter(category=criteria.category)
    if criteria.urgency is not None:
        query = query.filter(urgency=criteria.urgency)
    if criteria.requester_id is not None:
        query = query.filter(requester_id=criteria.requester_id)
    if criteria.volunteer_id is not None:
        query = query.filter(
            id__in=Subquery(
                OrderAssignment.filter(volunteer_id=criteria.volunteer_id).values("order_id")
            )
        )
    return query
