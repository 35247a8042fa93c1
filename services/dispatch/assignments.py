"""Who serves an order: assignment (by a dispatcher or automatically), accept, decline, check-in
and check-out. Lock order everywhere: the order row, then volunteers, then assignments."""

from __future__ import annotations

from datetime import UTC, datetime

from models.dispatch import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    OrderAssignment,
    OrderStatus,
    ServiceOrder,
)
from models.organizations import Membership, MembershipStatus, Organization
from models.volunteers import Volunteer, VolunteerStatus
from services.activities.overlap import signed_up_volunteers
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch import (
    STAFF,
    DispatchEventType,
    active_volunteer_ids,
    illegal,
    int_values,
    locked_order,
    move,
    not_found,
    record_transition,
)
from services.dispatch.errors import DispatchErrorCode
from subscriptions.events import atomic

ALREADY_TAKEN = (OrderStatus.ASSIGNED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS)


async def busy_volunteers(
    volunteer_ids: list[int], start: datetime, end: datetime, *, except_session: int = 0
) -> list[int]:
    """The double-booking rule, one for orders and activities: volunteers holding an open
    assignment, or a pending or confirmed activity sign-up, whose window overlaps
    [start, end). Callers lock the volunteers' rows first, so that the answer holds until
    they commit."""
    overlapping = OrderAssignment.filter(
        volunteer_id__in=volunteer_ids,
        status__in=OPEN_ASSIGNMENT,
        window_start__lt=end,
        window_end__gt=start,
    )
    busy = set(await int_values(overlapping, "volunteer_id"))
    busy |= await signed_up_volunteers(volunteer_ids, start, end, except_session=except_session)
    return sorted(busy)


async def _busy(volunteer_ids: list[int], order: ServiceOrder) -> list[int]:
    return await busy_volunteers(volunteer_ids, order.window_start, order.window_end)


async def _lock_volunteers(volunteer_ids: list[int], order: ServiceOrder) -> None:
    # Locked in id order, so two assigners of overlapping sets cannot deadlock, and the
    # overlap check below sees every assignment committed before we got the locks.
    rows = await Volunteer.filter(id__in=volunteer_ids).select_for_update().order_by("id")
    found = {row.id: row for row in rows}
    missing = [v for v in volunteer_ids if v not in found]
    if missing:
        raise DomainError(DispatchErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "volunteers")
    if any(row.status != VolunteerStatus.ACTIVE for row in rows):
        raise DomainError(
            DispatchErrorCode.VOLUNTEER_NOT_ACTIVE, "Only active volunteers serve.", "volunteers"
        )
    busy = await _busy(volunteer_ids, order)
    if busy:
        raise DomainError(
            DispatchErrorCode.VOLUNTEER_BUSY,
            f"Already serving another order in this window: volunteer {busy[0]}.",
            "volunteers",
        )


async def _assign(
    order_id: int,
    volunteer_ids: list[int],
    organization_id: int | None,
    actor_id: int | None,
    note: str,
) -> ServiceOrder:
    volunteer_ids = sorted(set(volunteer_ids))
    if not volunteer_ids and organization_id is None:
        raise DomainError(
            DispatchErrorCode.NOTHING_TO_ASSIGN, "Name volunteers or an organisation."
        )
    async with atomic() as tx:
        order = await locked_order(order_id)
        if order.status in ALREADY_TAKEN:
            raise DomainError(
                DispatchErrorCode.ORDER_ALREADY_ASSIGNED, "Someone assigned this order already."
            )
        if order.status != OrderStatus.SUBMITTED:
            raise illegal(order, "assign")
        if len(volunteer_ids) > order.volunteers_needed:
            raise DomainError(
                DispatchErrorCode.TOO_MANY_VOLUNTEERS,
                f"The order needs {order.volunteers_needed} volunteer(s).",
                "volunteers",
            )
        if organization_id is not None and not await Organization.exists(id=organization_id):
            raise not_found(DispatchErrorCode.ORGANIZATION_NOT_FOUND)
        if volunteer_ids:
            await _lock_volunteers(volunteer_ids, order)
        servers: list[tuple[int | None, int | None]] = [(v, None) for v in volunteer_ids]
        if organization_id is not None:
            servers.append((None, organization_id))
        for volunteer_id, organization in servers:
            await OrderAssignment.create(
                order_id=order.id,
                volunteer_id=volunteer_id,
                organization_id=organization,
                assigned_by_id=actor_id,
                window_start=order.window_start,
                window_end=order.window_end,
            )
        await move(
            tx,
            order,
            OrderStatus.ASSIGNED,
            actor_id,
            DispatchEventType.ORDER_ASSIGNED,
            note=note,
            volunteer_ids=volunteer_ids,
            updates={"organization_id": organization_id},
        )
    return order


async def assign(
    principal: Principal,
    order_id: int,
    volunteer_ids: list[int],
    organization_id: int | None = None,
    note: str = "",
) -> ServiceOrder:
    """A dispatcher assigns volunteers and/or an organisation. Of concurrent assigners of one
    order exactly one wins; the others get ORDER_ALREADY_ASSIGNED."""
    principal.require_role(STAFF)
    return await _assign(order_id, volunteer_ids, organization_id, principal.user_id, note[:500])


async def auto_assign(order_id: int) -> bool:
    """The centre's automatic mode: the best-ranked free volunteers, as many as needed."""
    from services.dispatch.matching import suggest

    order = await ServiceOrder.get(id=order_id)
    picks = [s.volunteer.id for s in await suggest(order, order.volunteers_needed)]
    if not picks:
        return False
    try:
        await _assign(order_id, picks, None, None, "assigned automatically")
    except DomainError:
        return False  # someone was quicker, or a pick got busy: the order stays in the queue
    return True


async def own_assignment(
    principal: Principal, assignment_id: int
) -> tuple[Volunteer, OrderAssignment]:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    assignment = await OrderAssignment.get_or_none(id=assignment_id)
    if assignment is None:
        raise not_found(DispatchErrorCode.ASSIGNMENT_NOT_FOUND)
    mine = volunteer is not None and assignment.volunteer_id == volunteer.id
    if volunteer is not None and assignment.volunteer_id is None and assignment.organization_id:
        mine = await Membership.exists(
            volunteer_id=volunteer.id,
            organization_id=assignment.organization_id,
            status=MembershipStatus.APPROVED,
        )
    if not mine or volunteer is None:
        raise DomainError(DispatchErrorCode.NOT_YOUR_ASSIGNMENT, "This is not your assignment.")
    return volunteer, assignment


async def relock(assignment: OrderAssignment) -> tuple[ServiceOrder, OrderAssignment]:
    order = await locked_order(assignment.order_id)
    fresh = await OrderAssignment.filter(id=assignment.id).select_for_update().first()
    if fresh is None:
        raise not_found(DispatchErrorCode.ASSIGNMENT_NOT_FOUND)
    return order, fresh


def _derived(statuses: list[AssignmentStatus]) -> OrderStatus:
    if AssignmentStatus.CHECKED_IN in statuses:
        return OrderStatus.IN_PROGRESS
    if AssignmentStatus.ACCEPTED in statuses:
        return OrderStatus.ACCEPTED
    if AssignmentStatus.ASSIGNED in statuses:
        return OrderStatus.ASSIGNED
    return OrderStatus.SUBMITTED


async def _open_statuses(order_id: int) -> list[AssignmentStatus]:
    rows = await OrderAssignment.filter(order_id=order_id, status__in=OPEN_ASSIGNMENT).values_list(
        "status", flat=True
    )
    return [AssignmentStatus(s) for s in rows]


async def accept(principal: Principal, assignment_id: int) -> OrderAssignment:
    """The assigned volunteer accepts; on an organisation's assignment, a member takes one of
    the order's places (services/dispatch/places.py) and gets their own assignment."""
    from services.dispatch import places

    volunteer, assignment = await own_assignment(principal, assignment_id)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status != AssignmentStatus.ASSIGNED or order.status not in ALREADY_TAKEN:
            raise illegal(order, "accept an assignment of")
        if assignment.volunteer_id is None:
            return await places.take(tx, principal, volunteer, order)
        now = datetime.now(UTC)
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.ACCEPTED, volunteer_id=volunteer.id, responded_at=now
        )
        event = DispatchEventType.ASSIGNMENT_ACCEPTED
        volunteers = await active_volunteer_ids(order.id)
        if order.status == OrderStatus.ASSIGNED:
            await move(
                tx, order, OrderStatus.ACCEPTED, principal.user_id, event, volunteer_ids=volunteers
            )
        else:
            await record_transition(
                tx,
                order,
                order.status,
                order.status,
                principal.user_id,
                event,
                f"volunteer {volunteer.id} accepted",
                volunteers,
            )
    await assignment.refresh_from_db()
    return assignment


async def decline(principal: Principal, assignment_id: int, reason: str = "") -> OrderAssignment:
    """The volunteer steps back before starting; with nobody left the order returns to the
    queue of its centre (and its escalation clock restarts)."""
    from services.dispatch import places

    volunteer, assignment = await own_assignment(principal, assignment_id)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED):
            raise illegal(order, "decline an assignment of")
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.DECLINED, responded_at=datetime.now(UTC)
        )
        remaining = _derived(await _open_statuses(order.id))
        if (
            remaining != OrderStatus.SUBMITTED
            and assignment.organization_id is not None
            and assignment.volunteer_id is not None
        ):
            # A member's place returns to the organisation, for another member to take.
            await places.reopen(order, assignment.assigned_by_id)
        note = reason.strip()[:500] or f"volunteer {volunteer.id} declined"
        event = DispatchEventType.ASSIGNMENT_DECLINED
        updates: dict[str, object] = {}
        if remaining == OrderStatus.SUBMITTED:
            updates = {"routed_at": datetime.now(UTC), "organization_id": None}
        involved = sorted({*await active_volunteer_ids(order.id), volunteer.id})
        if remaining != order.status:
            await move(
                tx,
                order,
                remaining,
                principal.user_id,
                event,
                note=note,
                volunteer_ids=involved,
                updates=updates,
            )
        else:
            await record_transition(
                tx, order, order.status, order.status, principal.user_id, event, note, involved
            )
    await assignment.refresh_from_db()
    return assignment
