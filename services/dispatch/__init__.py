"""Service orders: submission, routing to the most local centre, the lifecycle state machine,
cancellation, rating, escalation and expiry. Assignment lives in `services.dispatch.assignments`."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.accounts import Role
from models.dispatch import (
    LEVEL_RANK,
    OPEN_ASSIGNMENT,
    CenterCoverage,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    ServiceOrder,
)
from models.organizations import Membership, MembershipStatus
from services.common.errors import DomainError
from services.dispatch.errors import DispatchErrorCode
from subscriptions.events import EventTransaction

STAFF = (Role.DISPATCHER, Role.ADMIN)
# Orders that may still be cancelled (by the requester or a dispatcher) or expire.
OPEN_ORDER = (
    OrderStatus.SUBMITTED,
    OrderStatus.ASSIGNED,
    OrderStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS,
)


class DispatchEventType(str, Enum):
    ORDER_SUBMITTED = "ORDER_SUBMITTED"
    ORDER_ASSIGNED = "ORDER_ASSIGNED"
    ASSIGNMENT_ACCEPTED = "ASSIGNMENT_ACCEPTED"
    ASSIGNMENT_DECLINED = "ASSIGNMENT_DECLINED"
    ORDER_STARTED = "ORDER_STARTED"
    VOLUNTEER_CHECKED_OUT = "VOLUNTEER_CHECKED_OUT"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    ORDER_RATED = "ORDER_RATED"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    ORDER_EXPIRED = "ORDER_EXPIRED"
    ORDER_ESCALATED = "ORDER_ESCALATED"
    RECORD_CONFIRMED = "RECORD_CONFIRMED"
    RECORD_REJECTED = "RECORD_REJECTED"
    RECORD_CORRECTION_REQUESTED = "RECORD_CORRECTION_REQUESTED"


def center_topic(center_id: int) -> str:
    return f"center:{center_id}"


def order_topic(order_id: int) -> str:
    return f"order:{order_id}"


def volunteer_topic(volunteer_id: int) -> str:
    return f"volunteer:{volunteer_id}"


def organization_topic(organization_id: int) -> str:
    """Every event of an order assigned to the organisation as a whole: its approved members
    (admins included) may take such an order, and follow it on `myAssignments`."""
    return f"organization:{organization_id}"


async def assignment_topics(volunteer_id: int) -> list[str]:
    """What a volunteer's `myAssignments` follows: their own assignments, and the orders
    assigned to any organisation they are an approved member of (read once, when the stream
    starts: a membership decided later counts from the next subscription)."""
    organizations = Membership.filter(volunteer_id=volunteer_id, status=MembershipStatus.APPROVED)
    ids = await int_values(organizations, "organization_id")
    return [volunteer_topic(volunteer_id), *(organization_topic(o) for o in sorted(set(ids)))]


def not_found(code: DispatchErrorCode = DispatchErrorCode.ORDER_NOT_FOUND) -> DomainError:
    return DomainError(code, "No such " + code.value.removesuffix("_NOT_FOUND").lower() + ".", "id")


def illegal(order: ServiceOrder, action: str) -> DomainError:
    return DomainError(
        DispatchErrorCode.ILLEGAL_TRANSITION,
        f"Cannot {action} an order that is {order.status.value}.",
    )


async def locked_order(order_id: int) -> ServiceOrder:
    """Inside a transaction: the order, row-locked on PostgreSQL until commit."""
    order = await ServiceOrder.filter(id=order_id).select_for_update().first()
    if order is None:
        raise not_found()
    return order


async def move(
    tx: EventTransaction,
    order: ServiceOrder,
    to: OrderStatus,
    actor_id: int | None,
    event: DispatchEventType,
    *,
    note: str = "",
    volunteer_ids: list[int] | None = None,
    updates: dict[str, Any] | None = None,
    extra_topics: list[str] | None = None,
) -> None:
    """Moves an order on, conditionally on the status it was read with (so a concurrent change,
    even on SQLite where rows are not locked, makes this fail rather than overwrite), and records
    the transition and its event in the same transaction."""
    now = datetime.now(UTC)
    changed = await ServiceOrder.filter(id=order.id, status=order.status).update(
        status=to, updated_at=now, **(updates or {})
    )
    if not changed:
        raise DomainError(
            DispatchErrorCode.ILLEGAL_TRANSITION, "The order changed meanwhile; reload it."
        )
    previous = order.status
    released = order.organization_id
    order.status = to
    for key, value in (updates or {}).items():
        setattr(order, key, value)
    if released is not None and released != order.organization_id:
        # The organisation whose order this was hears that it no longer is.
        extra_topics = [*(extra_topics or []), organization_topic(released)]
    await record_transition(
        tx, order, previous, to, actor_id, event, note, volunteer_ids, now, extra_topics
    )


async def record_transition(
    tx: EventTransaction,
    order: ServiceOrder,
    previous: OrderStatus | None,
    to: OrderStatus,
    actor_id: int | None,
    event: DispatchEventType,
    note: str = "",
    volunteer_ids: list[int] | None = None,
    at: datetime | None = None,
    extra_topics: list[str] | None = None,
) -> None:
    at = at or datetime.now(UTC)
    if previous != to or note:
        await OrderTransition.create(
            order_id=order.id,
            from_status=previous,
            to_status=to,
            actor_id=actor_id,
            at=at,
            note=note[:500],
        )
    emit(tx, order, event, previous, to, volunteer_ids or [], note, extra_topics=extra_topics)


def emit(
    tx: EventTransaction,
    order: ServiceOrder,
    event: DispatchEventType,
    previous: OrderStatus | None,
    status: OrderStatus,
    volunteer_ids: list[int],
    note: str = "",
    extra: dict[str, Any] | None = None,
    extra_topics: list[str] | None = None,
) -> None:
    topics = [center_topic(order.dispatch_center_id), order_topic(order.id), *(extra_topics or [])]
    topics += [volunteer_topic(v) for v in volunteer_ids]
    if order.organization_id is not None:
        topics.append(organization_topic(order.organization_id))
    payload: dict[str, Any] = {
        "orderId": order.id,
        "dispatchCenterId": order.dispatch_center_id,
        "previousStatus": previous.value if previous else None,
        "status": status.value,
        "volunteerIds": sorted(volunteer_ids),
        "note": note[:200],
    }
    tx.record(event.value, topics, payload | (extra or {}))


async def int_values(query: QuerySet[Any], column: str) -> list[int]:
    """One integer column of a query, nulls left out (Tortoise types flat values loosely)."""
    rows: list[Any] = await query.values_list(column, flat=True)
    return [int(v) for v in rows if v is not None]


async def active_volunteer_ids(order_id: int) -> list[int]:
    query = OrderAssignment.filter(order_id=order_id, status__in=OPEN_ASSIGNMENT)
    return sorted(set(await int_values(query, "volunteer_id")))


async def center_family(center_id: int) -> list[int]:
    """The centre and every centre below it, at any depth (one statement: the city has a
    handful of centres). A centre's wall and feed cover its whole family; an unknown centre
    has none (empty)."""
    pairs: list[Any] = await DispatchCenter.all().values_list("id", "parent_id")
    if all(int(child) != center_id for child, _ in pairs):
        return []
    children: dict[int, list[int]] = {}
    for child, parent in pairs:
        if parent is not None:
            children.setdefault(int(parent), []).append(int(child))
    family, frontier = [center_id], [center_id]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, []) if c not in family]
        family.extend(frontier)
    return family


async def route(district_id: int, community_id: int | None) -> DispatchCenter:
    """The most local centre covering the place: street (community), else district, else city."""
    place = Q(district_id=district_id, community_id=None)
    if community_id is not None:
        place |= Q(district_id=district_id, community_id=community_id)
    covering = await DispatchCenter.filter(
        id__in=Subquery(CenterCoverage.filter(place).values("center_id"))
    )
    if covering:
        return max(covering, key=lambda c: (LEVEL_RANK[c.level], -c.id))
    city = await DispatchCenter.filter(parent_id=None).order_by("id").first()
    if city is None:
        raise DomainError(DispatchErrorCode.NO_COVERING_CENTER, "No dispatch centre covers this.")
    return city
