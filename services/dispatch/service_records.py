"""Hours served: check-in and check-out file a PENDING record; the organisation or a dispatcher
confirms or rejects it; the volunteer may ask for a correction. Confirmed hours count at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tortoise.expressions import F

from models.accounts import Role
from models.dispatch import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    OrderAssignment,
    OrderStatus,
    RecordFlag,
    RecordStatus,
    ServiceOrder,
    ServiceRecord,
)
from models.organizations import Membership, MembershipRole, MembershipStatus
from models.volunteers import Volunteer, pack_tags, unpack_tags
from services.common.errors import DomainError, NotPermitted
from services.common.presence import (
    Attendance,
    Place,
    Proof,
    Refused,
    RotatingCode,
    Subject,
    check_in_window,
    check_presence,
    current_code,
)
from services.common.presence import served as clipped
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
from services.organizations import is_org_admin
from services.rewards.levels import after_confirmation as record_star_levels
from services.timebank.deposits import deposit_for_record
from settings import get_settings
from subscriptions.events import EventTransaction, atomic

MAX_HOURS = Decimal(24)


def refused(error: Refused) -> DomainError:
    return DomainError(DispatchErrorCode(error.reason.value), error.message, error.field)


def _order_presence(order: ServiceOrder, proof: Proof, now: datetime) -> Attendance:
    place = Place(order.lat, order.lng, get_settings().attendance_order_radius_m)
    return check_presence(Subject.ORDER, order.id, place, proof, now)


async def check_in(
    principal: Principal,
    assignment_id: int,
    proof: Proof | None = None,
    now: datetime | None = None,
) -> OrderAssignment:
    """On site and within the order's window (services/common/presence.py), or refused."""
    _, assignment = await own_assignment(principal, assignment_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status != AssignmentStatus.ACCEPTED:
            raise illegal(order, "check in to")
        try:
            check_in_window(order.window_start, order.window_end, now)
            seen = _order_presence(order, proof or Proof(), now)
        except Refused as error:
            raise refused(error) from None
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.CHECKED_IN,
            checked_in_at=now,
            checkin_flags=pack_tags([RecordFlag.FAR_CHECK_IN.value]) if seen.far else None,
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


@dataclass(frozen=True)
class Attended:
    """One attendance, as check-out files it: the window it counts against, when the volunteer
    checked in and out, and what was odd about it."""

    volunteer_id: int
    window_start: datetime
    window_end: datetime
    checked_in_at: datetime
    checked_out_at: datetime
    checkin_flags: str | None
    far_check_out: bool


async def file_record(
    attended: Attended,
    *,
    assignment_id: int | None = None,
    order_id: int | None = None,
    sign_up_id: int | None = None,
    organization_id: int | None = None,
) -> ServiceRecord:
    """Inside the check-out's transaction: the PENDING record of the attendance's hours clipped
    to the window (`Refused` while they are too short), flagged where the confirmer should look
    (`RecordFlag`). It was served on an order's assignment, or an activity's sign-up (with the
    organising organisation)."""
    served = clipped(
        attended.window_start, attended.window_end, attended.checked_in_at, attended.checked_out_at
    )
    flags = set(unpack_tags(attended.checkin_flags or ""))
    if attended.far_check_out:
        flags.add(RecordFlag.FAR_CHECK_OUT.value)
    if served.beyond_window:
        flags.add(RecordFlag.BEYOND_WINDOW.value)
    started_at = max(attended.window_start, attended.checked_in_at)
    ended_at = min(attended.window_end, attended.checked_out_at)
    overlapping = await ServiceRecord.exists(
        volunteer_id=attended.volunteer_id,
        status__in=(RecordStatus.PENDING, RecordStatus.CONFIRMED),
        started_at__lt=ended_at,
        ended_at__gt=started_at,
    )
    if overlapping:
        flags.add(RecordFlag.OVERLAPS.value)
    return await ServiceRecord.create(
        volunteer_id=attended.volunteer_id,
        started_at=started_at,
        ended_at=ended_at,
        hours=served.hours,
        flags=pack_tags(sorted(flags)) or None,
        assignment_id=assignment_id,
        order_id=order_id,
        sign_up_id=sign_up_id,
        organization_id=organization_id,
    )


async def check_out(
    principal: Principal,
    assignment_id: int,
    proof: Proof | None = None,
    now: datetime | None = None,
) -> ServiceRecord:
    """Ends the volunteer's service, on site like the check-in, and files its hours (clipped
    to the order's window) as a PENDING record. The order is COMPLETED when nobody is still
    checked in; those who never came are released."""
    _, assignment = await own_assignment(principal, assignment_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        order, assignment = await relock(assignment)
        if assignment.status != AssignmentStatus.CHECKED_IN or assignment.checked_in_at is None:
            raise illegal(order, "check out of")
        assert assignment.volunteer_id is not None
        try:
            seen = _order_presence(order, proof or Proof(), now)
            record = await file_record(
                Attended(
                    volunteer_id=assignment.volunteer_id,
                    window_start=order.window_start,
                    window_end=order.window_end,
                    checked_in_at=assignment.checked_in_at,
                    checked_out_at=now,
                    checkin_flags=assignment.checkin_flags,
                    far_check_out=seen.far,
                ),
                assignment_id=assignment.id,
                order_id=order.id,
            )
        except Refused as error:
            raise refused(error) from None
        await OrderAssignment.filter(id=assignment.id).update(
            status=AssignmentStatus.CHECKED_OUT, checked_out_at=now
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


async def order_code(principal: Principal, order_id: int) -> tuple[ServiceOrder, RotatingCode]:
    """The code that the order's requester shows on their phone (or a dispatcher reads out)
    for the volunteers to scan at check-in and check-out."""
    principal.require_user()
    order = await ServiceOrder.get_or_none(id=order_id)
    if order is None:
        raise not_found()
    if not (principal.has_role(*STAFF) or order.requester_id == principal.user_id):
        raise NotPermitted("Only the requester or a dispatcher shows this order's code.")
    if order.status not in (OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS):
        raise illegal(order, "show the attendance code of")
    return order, current_code(Subject.ORDER, order.id)


async def _may_decide(principal: Principal, record: ServiceRecord) -> bool:
    if record.sign_up_id is not None:
        # "Whoever records, certifies": an activity's hours are the organisers' to confirm.
        if record.organization_id is None:
            return principal.is_admin
        return await is_org_admin(principal, record.organization_id)
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


def activity_records_topic(organization_id: int) -> str:
    """The log's topic of an organisation's activity records (their confirmation and
    correction): staff business, not the activity's public page."""
    return f"activity-records:{organization_id}"


async def _record_event(
    tx: EventTransaction,
    record: ServiceRecord,
    event: DispatchEventType,
    note: str,
    extra: dict[str, object],
) -> None:
    if record.order_id is None:
        tx.record(
            event.value,
            [activity_records_topic(record.organization_id or 0)],
            {
                "recordId": record.id,
                "signUpId": record.sign_up_id,
                "organizationId": record.organization_id,
                "volunteerIds": [record.volunteer_id],
                "note": note[:200],
            }
            | extra,
        )
        return
    order = await ServiceOrder.get(id=record.order_id)
    emit(
        tx,
        order,
        event,
        order.status,
        order.status,
        [record.volunteer_id],
        note,
        extra={"recordId": record.id} | extra,
    )


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
        if given is not None and given != record.hours:
            updates["flags"] = pack_tags(
                [*unpack_tags(record.flags or ""), RecordFlag.MANUAL.value]
            )
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
        event = (
            DispatchEventType.RECORD_CONFIRMED
            if status == RecordStatus.CONFIRMED
            else DispatchEventType.RECORD_REJECTED
        )
        await _record_event(tx, record, event, note, {"hours": str(counted)})
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


MAX_BULK = 100


@dataclass(frozen=True)
class BulkOutcome:
    """What confirming many records did: those confirmed, and each refusal by record."""

    confirmed: list[ServiceRecord]
    refused: list[tuple[int, DomainError]]


async def confirm_many(principal: Principal, record_ids: list[int], note: str = "") -> BulkOutcome:
    """The confirmer's queue, confirmed at once: each record in its own transaction, as
    `confirm` does, so that one refusal (already decided, not theirs) holds back no other and
    a record confirmed twice, or by two people at once, counts once."""
    principal.require_user()
    if not record_ids:
        raise DomainError(
            DispatchErrorCode.RECORD_NOT_FOUND, "Name at least one record.", "records"
        )
    if len(record_ids) > MAX_BULK:
        raise DomainError(
            DispatchErrorCode.TOO_MANY_RECORDS, f"At most {MAX_BULK} records at once.", "records"
        )
    if len(note) > 500:
        raise DomainError(DispatchErrorCode.NOTE_TOO_LONG, "At most 500 characters.", "note")
    confirmed: list[ServiceRecord] = []
    refusals: list[tuple[int, DomainError]] = []
    for record_id in dict.fromkeys(record_ids):
        try:
            confirmed.append(await confirm(principal, record_id, None, note))
        except NotPermitted:
            refusals.append(
                (
                    record_id,
                    DomainError(
                        DispatchErrorCode.NOT_DECIDER,
                        "You do not decide this record's hours.",
                        "records",
                    ),
                )
            )
        except DomainError as error:
            refusals.append((record_id, error))
    return BulkOutcome(confirmed, refusals)


async def reject(principal: Principal, record_id: int, note: str = "") -> ServiceRecord:
    return await _decide(principal, record_id, RecordStatus.REJECTED, None, note)


async def request_correction(
    principal: Principal, record_id: int, hours: Decimal, note: str
) -> ServiceRecord:
    """The volunteer disputes the hours; a rejected record goes back to PENDING for review,
    flagged MANUAL (the hours asked for were typed, not attended)."""
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
            flags=pack_tags([*unpack_tags(record.flags or ""), RecordFlag.MANUAL.value]),
        )
        if not changed:
            raise DomainError(
                DispatchErrorCode.RECORD_ALREADY_DECIDED, "Confirmed hours cannot be corrected."
            )
        await _record_event(tx, record, DispatchEventType.RECORD_CORRECTION_REQUESTED, note, {})
    await record.refresh_from_db()
    return record
