"""Hours served: check-in and check-out file a PENDING record; the organisation or a dispatcher
confirms or rejects it; the volunteer may ask for a correction. Confirmed hours count at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tortoise.expressions import F

from models.accounts import Role
from models.dispatch import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    OrderAssignment,
    OrderStatus,
    RecordStatus,
    ServiceOrder,
    ServiceRecord,
)
from models.organizations import Membership, MembershipRole, MembershipStatus
from models.volunteers import Volunteer
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.dispatch import (
    STAFF,
    DispatchEventType,
    active_volunteer_ids,
    emit,
    illegal,
    int_values,
    move,
    not_found,
    record_transition,
)
from services.dispatch.assignments import own_assignment, relock
from services.dispatch.errors import DispatchErrorCode
from services.rewards.levels import after_confirmation as record_star_levels
from services.timebank.deposits import deposit_for_record
from subscriptions.events import atomic

MAX_HOURS = Decimal(24)


async def check_in(
    principal: Principal, assignment_id: int, now: datetime | None = None
) -> OrderAssignment:
    _, assignment = await own_assignment(principal, assignment_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status != AssignmentStatus.ACCEPTED:
            raise illegal(order, "check in to")
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.CHECKED_IN, checked_in_at=now
        )
        volunteers = await active_volunteer_ids(order.id)
        event = DispatchEventType.ORDER_STARTED
        if order.status == OrderStatus.ACCEPTED:
            await move(
                tx,
                order,
                OrderStatus.IN_PROGRESS,
                principal.user_id,
                event,
                volunteer_ids=volunteers,
            )
        else:
            await record_transition(
                tx,
                order,
                order.status,
                order.status,
                principal.user_id,
                event,
                f"volunteer {assignment.volunteer_id} checked in",
                volunteers,
            )
    await assignment.refresh_from_db()
    return assignment


def hours_between(start: datetime, end: datetime) -> Decimal:
    seconds = Decimal(max(0, int((end - start).total_seconds())))
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def check_out(
    principal: Principal, assignment_id: int, now: datetime | None = None
) -> ServiceRecord:
    """Ends the volunteer's service and files its hours as a PENDING record. The order is
    COMPLETED when nobody is still checked in; those who never came are released."""
    _, assignment = await own_assignment(principal, assignment_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status != AssignmentStatus.CHECKED_IN or assignment.checked_in_at is None:
            raise illegal(order, "check out of")
        assert assignment.volunteer_id is not None
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.CHECKED_OUT, checked_out_at=now
        )
        record = await ServiceRecord.create(
            assignment_id=assignment.id,
            order_id=order.id,
            volunteer_id=assignment.volunteer_id,
            started_at=assignment.checked_in_at,
            ended_at=now,
            hours=hours_between(assignment.checked_in_at, now),
        )
        still_in = await OrderAssignment.exists(
            order_id=order.id, status=AssignmentStatus.CHECKED_IN
        )
        involved = sorted({*await active_volunteer_ids(order.id), assignment.volunteer_id})
        if still_in:
            await record_transition(
                tx,
                order,
                order.status,
                order.status,
                principal.user_id,
                DispatchEventType.VOLUNTEER_CHECKED_OUT,
                f"volunteer {assignment.volunteer_id} checked out",
                involved,
            )
        else:
            await OrderAssignment.filter(order_id=order.id, status__in=OPEN_ASSIGNMENT).update(
                status=AssignmentStatus.CANCELLED
            )
            await move(
                tx,
                order,
                OrderStatus.COMPLETED,
                principal.user_id,
                DispatchEventType.ORDER_COMPLETED,
                volunteer_ids=involved,
            )
    return record


async def _may_decide(principal: Principal, record: ServiceRecord) -> bool:
    if principal.has_role(*STAFF):
        return True
    if not principal.has_role(Role.ORG_ADMIN) or principal.user_id is None:
        return False
    # An admin of an organisation the volunteer belongs to, or the one the order went to.
    admin_of = set(
        await int_values(
            Membership.filter(
                volunteer__user_id=principal.user_id,
                role=MembershipRole.ADMIN,
                status=MembershipStatus.APPROVED,
            ),
            "organization_id",
        )
    )
    order = await ServiceOrder.get(id=record.order_id)
    if order.organization_id in admin_of:
        return True
    return await Membership.exists(
        volunteer_id=record.volunteer_id,
        organization_id__in=list(admin_of),
        status=MembershipStatus.APPROVED,
    )


def _hours(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise DomainError(DispatchErrorCode.INVALID_HOURS, "Not a number.", "hours") from exc
    if not Decimal(0) < hours <= MAX_HOURS:
        raise DomainError(DispatchErrorCode.INVALID_HOURS, "Hours are 0-24.", "hours")
    return hours


async def _decide(
    principal: Principal,
    record_id: int,
    status: RecordStatus,
    hours: Decimal | None,
    note: str,
) -> ServiceRecord:
    principal.require_user()
    given = _hours(hours)
    record = await ServiceRecord.get_or_none(id=record_id)
    if record is None:
        raise not_found(DispatchErrorCode.RECORD_NOT_FOUND)
    if not await _may_decide(principal, record):
        raise NotPermitted("Only the organisation's admin or a dispatcher decides hours.")
    async with atomic() as tx:
        counted = given or record.correction_hours or record.hours
        updates: dict[str, object] = {
            "status": status,
            "decided_by_id": principal.user_id,
            "decided_at": datetime.now(UTC),
            "decision_note": note.strip()[:500],
        }
        if status == RecordStatus.CONFIRMED:
            updates["hours"] = counted
        # Conditional: of two concurrent deciders one wins, and hours never count twice.
        changed = await ServiceRecord.filter(id=record.id, status=RecordStatus.PENDING).update(
            **updates
        )
        if not changed:
            raise DomainError(DispatchErrorCode.RECORD_ALREADY_DECIDED, "Already decided.")
        if status == RecordStatus.CONFIRMED:
            await Volunteer.filter(id=record.volunteer_id).update(
                total_hours=F("total_hours") + counted, updated_at=datetime.now(UTC)
            )
            await record_star_levels(tx, record, counted)
        order = await ServiceOrder.get(id=record.order_id)
        event = (
            DispatchEventType.RECORD_CONFIRMED
            if status == RecordStatus.CONFIRMED
            else DispatchEventType.RECORD_REJECTED
        )
        emit(
            tx,
            order,
            event,
            order.status,
            order.status,
            [record.volunteer_id],
            note,
            extra={"recordId": record.id, "hours": str(counted)},
        )
        if status == RecordStatus.CONFIRMED:
            await deposit_for_record(tx, record, counted, principal.user_id)
    await record.refresh_from_db()
    return record


async def confirm(
    principal: Principal, record_id: int, hours: Decimal | None = None, note: str = ""
) -> ServiceRecord:
    """Counts the hours (the corrected ones if asked for, or `hours` if given) into the
    volunteer's total, and so their star level (dating any level reached), and deposits them
    in the volunteer's time account, all in the same transaction."""
    return await _decide(principal, record_id, RecordStatus.CONFIRMED, hours, note)


async def reject(principal: Principal, record_id: int, note: str = "") -> ServiceRecord:
    return await _decide(principal, record_id, RecordStatus.REJECTED, None, note)


async def request_correction(
    principal: Principal, record_id: int, hours: Decimal, note: str
) -> ServiceRecord:
    """The volunteer disputes the hours; a rejected record goes back to PENDING for review."""
    user_id = principal.require_user()
    wanted = _hours(hours)
    if len(note) > 500:
        raise DomainError(DispatchErrorCode.NOTE_TOO_LONG, "At most 500 characters.", "note")
    record = await ServiceRecord.get_or_none(id=record_id)
    if record is None:
        raise not_found(DispatchErrorCode.RECORD_NOT_FOUND)
    if not await Volunteer.exists(id=record.volunteer_id, user_id=user_id):
        raise NotPermitted("Only the volunteer asks to correct their hours.")
    async with atomic() as tx:
        changed = await ServiceRecord.filter(
            id=record.id, status__in=(RecordStatus.PENDING, RecordStatus.REJECTED)
        ).update(
            status=RecordStatus.PENDING,
            correction_requested_at=datetime.now(UTC),
            correction_hours=wanted,
            correction_note=note.strip(),
        )
        if not changed:
            raise DomainError(
                DispatchErrorCode.RECORD_ALREADY_DECIDED, "Confirmed hours cannot be corrected."
            )
        order = await ServiceOrder.get(id=record.order_id)
        emit(
            tx,
            order,
            DispatchEventType.RECORD_CORRECTION_REQUESTED,
            order.status,
            order.status,
            [record.volunteer_id],
            note,
            extra={"recordId": record.id},
        )
    await record.refresh_from_db()
    return record
