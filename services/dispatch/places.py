"""The places of an order assigned to an organisation as a whole. The organisation's offer is
one assignment with no volunteer (its placeholder); any approved member takes a place from it,
until the order has as many volunteers as it needs. Under the order's row lock, so that N+5
members taking places at once make exactly N assignments."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.dispatch import AssignmentStatus, OrderAssignment, OrderStatus, ServiceOrder
from models.organizations import Membership, MembershipStatus
from models.volunteers import Volunteer
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch import (
    DispatchEventType,
    active_volunteer_ids,
    illegal,
    locked_order,
    move,
    record_transition,
)
from services.dispatch.errors import DispatchErrorCode
from subscriptions.events import EventTransaction, atomic

# A volunteer in one of these holds a place of the order (checked out: served it).
HOLDS_PLACE = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.ACCEPTED,
    AssignmentStatus.CHECKED_IN,
    AssignmentStatus.CHECKED_OUT,
)
# An organisation's members may take places while the order is being served.
TAKING = (OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS)


def holds_place(row: OrderAssignment) -> bool:
    return row.volunteer_id is not None and row.status in HOLDS_PLACE


def _offers() -> QuerySet[OrderAssignment]:
    return OrderAssignment.filter(volunteer_id=None, status=AssignmentStatus.ASSIGNED)


async def places_taken(order_id: int) -> int:
    return await OrderAssignment.filter(
        order_id=order_id, volunteer_id__isnull=False, status__in=HOLDS_PLACE
    ).count()


def member_organizations(volunteer_id: int) -> QuerySet[Membership]:
    return Membership.filter(volunteer_id=volunteer_id, status=MembershipStatus.APPROVED)


def offered_to_member(volunteer_id: int) -> QuerySet[ServiceOrder]:
    """Open orders with a place left offered to an organisation the volunteer is an approved
    member of."""
    mine = Subquery(member_organizations(volunteer_id).values("organization_id"))
    offers = _offers().filter(organization_id__in=mine)
    return ServiceOrder.filter(id__in=Subquery(offers.values("order_id")), status__in=TAKING)


def organization_orders_of(volunteer_id: int) -> Q:
    """What a member may read: the orders assigned to their organisations."""
    mine = Subquery(member_organizations(volunteer_id).values("organization_id"))
    return Q(organization_id__in=mine)


async def _volunteer_of(principal: Principal) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(DispatchErrorCode.NOT_A_MEMBER, "Register as a volunteer first.")
    return volunteer


async def take(
    tx: EventTransaction, principal: Principal, volunteer: Volunteer, order: ServiceOrder
) -> OrderAssignment:
    """Inside the caller's transaction, with the order locked: one place for `volunteer`,
    taken from the organisation's offer; a new offer when places are left after it."""
    from services.dispatch.assignments import busy_volunteers

    if (
        order.organization_id is None
        or not await member_organizations(volunteer.id)
        .filter(organization_id=order.organization_id)
        .exists()
    ):
        raise DomainError(
            DispatchErrorCode.NOT_A_MEMBER,
            "This order is not offered to an organisation you are an approved member of.",
        )
    if order.status not in TAKING:
        raise illegal(order, "take a place of")
    offer = (
        await _offers()
        .filter(order_id=order.id, organization_id=order.organization_id)
        .select_for_update()
        .order_by("id")
        .first()
    )
    taken = await places_taken(order.id)
    if offer is None or taken >= order.volunteers_needed:
        raise DomainError(
            DispatchErrorCode.ORDER_FULL,
            f"All {order.volunteers_needed} place(s) of this order are taken.",
        )
    if await OrderAssignment.exists(
        order_id=order.id, volunteer_id=volunteer.id, status__in=HOLDS_PLACE
    ):
        raise DomainError(DispatchErrorCode.ALREADY_SERVING, "You hold a place already.")
    await Volunteer.filter(id=volunteer.id).select_for_update().first()
    if await busy_volunteers([volunteer.id], order.window_start, order.window_end):
        raise DomainError(DispatchErrorCode.VOLUNTEER_BUSY, "You serve elsewhere then.")
    now = datetime.now(UTC)
    await OrderAssignment.filter(id=offer.id).update(
        status=AssignmentStatus.ACCEPTED, volunteer_id=volunteer.id, responded_at=now
    )
    if taken + 1 < order.volunteers_needed:
        await reopen(order, offer.assigned_by_id)
    event = DispatchEventType.ASSIGNMENT_ACCEPTED
    volunteers = await active_volunteer_ids(order.id)
    note = f"volunteer {volunteer.id} took place {taken + 1} of {order.volunteers_needed}"
    if order.status == OrderStatus.ASSIGNED:
        await move(
            tx,
            order,
            OrderStatus.ACCEPTED,
            principal.user_id,
            event,
            note=note,
            volunteer_ids=volunteers,
        )
    else:
        await record_transition(
            tx, order, order.status, order.status, principal.user_id, event, note, volunteers
        )
    await offer.refresh_from_db()
    return offer


async def reopen(order: ServiceOrder, assigned_by_id: int | None) -> None:
    """The organisation's offer of the places still left (none twice)."""
    if order.organization_id is None or await _offers().filter(order_id=order.id).exists():
        return
    await OrderAssignment.create(
        order_id=order.id,
        organization_id=order.organization_id,
        assigned_by_id=assigned_by_id,
        window_start=order.window_start,
        window_end=order.window_end,
    )


async def take_place(principal: Principal, order_id: int) -> OrderAssignment:
    """An approved member of the organisation an order is assigned to takes one of its places."""
    volunteer = await _volunteer_of(principal)
    async with atomic() as tx:
        order = await locked_order(order_id)
        return await take(tx, principal, volunteer, order)
