"""Signing up for a session and position: instant confirmation or the organiser's approval, a
waiting list when the position is full and promotion from it in arrival order, cancellation
by the volunteer, and the organiser's approve / reject / remove.

Every change to a session's places runs under the session's row lock (PostgreSQL; SQLite
serialises writers), so 100 concurrent sign-ups for 10 places confirm exactly 10 and a freed
place is given once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from models.activities import (
    HOLDING_SIGN_UP,
    LIVE_SIGN_UP,
    Activity,
    ActivityPosition,
    ActivitySession,
    ActivityStatus,
    Qualification,
    SessionStatus,
    SignUp,
    SignUpMethod,
    SignUpStatus,
)
from models.volunteers import Volunteer, VolunteerStatus, unpack_tags
from services.activities import (
    ActivityEventType,
    emit,
    locked_session,
    not_found,
    require_organiser,
)
from services.activities.errors import ActivityErrorCode
from services.common.errors import DomainError
from services.common.principal import Principal
from services.dispatch.assignments import busy_volunteers
from settings import get_settings
from subscriptions.events import EventTransaction, atomic

CITY_ZONE = ZoneInfo("Asia/Shanghai")


class Decision(str, Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REMOVE = "REMOVE"


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


async def volunteer_of(principal: Principal) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(ActivityErrorCode.NOT_A_VOLUNTEER, "Register as a volunteer first.")
    return volunteer


async def missing_qualifications(
    volunteer: Volunteer, position: ActivityPosition, at: datetime
) -> list[str]:
    """What the position requires that the volunteer lacks: a required skill is declared on the
    profile or certified; a required qualification is certified and unexpired at `at`."""
    skills = set(unpack_tags(position.required_skills))
    certified_needed = set(unpack_tags(position.required_qualifications))
    if not skills and not certified_needed:
        return []
    rows: list[Any] = await Qualification.filter(
        volunteer_id=volunteer.id, expires_at__gt=at, granted_at__lte=at
    ).values_list("skill", flat=True)
    certified = {str(getattr(s, "value", s)) for s in rows}
    declared = set(unpack_tags(volunteer.skills))
    missing = {s for s in skills if s not in declared and s not in certified}
    missing |= {q for q in certified_needed if q not in certified}
    return sorted(missing)


async def _check_eligible(
    volunteer: Volunteer,
    activity: Activity,
    session: ActivitySession,
    position: ActivityPosition,
) -> None:
    now = datetime.now(UTC)
    if activity.status != ActivityStatus.PUBLISHED or session.status != SessionStatus.SCHEDULED:
        raise DomainError(ActivityErrorCode.NOT_OPEN, "This activity takes no sign-ups.")
    if session.starts_at <= now:
        raise DomainError(ActivityErrorCode.SESSION_OVER, "This session has begun.", "session")
    deadline = session.starts_at - timedelta(minutes=activity.signup_deadline_minutes)
    if now >= deadline:
        raise DomainError(
            ActivityErrorCode.DEADLINE_PASSED,
            f"Sign-ups for this session closed at {deadline.isoformat()}.",
            "session",
        )
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise DomainError(ActivityErrorCode.VOLUNTEER_NOT_ACTIVE, "Only active volunteers serve.")
    if activity.min_age:
        day = session.starts_at.astimezone(CITY_ZONE).date()
        if volunteer.birth_date is None or age_on(volunteer.birth_date, day) < activity.min_age:
            raise DomainError(
                ActivityErrorCode.TOO_YOUNG,
                f"Volunteers here are at least {activity.min_age} years old.",
            )
    missing = await missing_qualifications(volunteer, position, session.starts_at)
    if missing:
        raise DomainError(
            ActivityErrorCode.NOT_QUALIFIED,
            "This position requires " + ", ".join(missing) + ".",
            "position",
        )


async def _confirmed(session_id: int, position_id: int) -> int:
    return await SignUp.filter(
        session_id=session_id, position_id=position_id, status=SignUpStatus.CONFIRMED
    ).count()


async def _recount(session: ActivitySession) -> None:
    """The session's `openings`, from the positions' quotas and its confirmed sign-ups."""
    quotas: list[Any] = await ActivityPosition.filter(activity_id=session.activity_id).values_list(
        "quota", flat=True
    )
    places = sum(int(q) for q in quotas)
    confirmed = await SignUp.filter(session_id=session.id, status=SignUpStatus.CONFIRMED).count()
    session.openings = max(places - confirmed, 0)
    await ActivitySession.filter(id=session.id).update(openings=session.openings)


async def _is_busy(volunteer_id: int, session: ActivitySession) -> bool:
    await Volunteer.filter(id=volunteer_id).select_for_update().first()
    busy = await busy_volunteers(
        [volunteer_id], session.starts_at, session.ends_at, except_session=session.id
    )
    return bool(busy)


async def _promote(
    tx: EventTransaction, activity: Activity, session: ActivitySession, position_id: int
) -> list[SignUp]:
    """Fills the position's free places from its waiting list, in arrival order; a waitlisted
    volunteer who has meanwhile taken something else at that time is passed over (and stays
    on the list)."""
    if session.starts_at <= datetime.now(UTC) or session.status != SessionStatus.SCHEDULED:
        return []
    position = await ActivityPosition.get(id=position_id)
    free = position.quota - await _confirmed(session.id, position_id)
    promoted: list[SignUp] = []
    if free <= 0:
        return promoted
    waiting = SignUp.filter(
        session_id=session.id, position_id=position_id, status=SignUpStatus.WAITLISTED
    )
    for candidate in await waiting.order_by("id").select_for_update():
        if len(promoted) == free:
            break
        if await _is_busy(candidate.volunteer_id, session):
            continue
        candidate.status = SignUpStatus.CONFIRMED
        await SignUp.filter(id=candidate.id).update(status=SignUpStatus.CONFIRMED)
        promoted.append(candidate)
    for row in promoted:
        emit(tx, activity, ActivityEventType.SIGN_UP_PROMOTED, sign_up=row)
    return promoted


async def _context(
    session_id: int, position_id: int
) -> tuple[Activity, ActivitySession, ActivityPosition]:
    session = await ActivitySession.get_or_none(id=session_id)
    if session is None:
        raise not_found(ActivityErrorCode.SESSION_NOT_FOUND, "session")
    position = await ActivityPosition.get_or_none(id=position_id)
    if position is None or position.activity_id != session.activity_id:
        raise not_found(ActivityErrorCode.POSITION_NOT_FOUND, "position")
    activity = await Activity.get(id=session.activity_id)
    return activity, session, position


async def sign_up(principal: Principal, session_id: int, position_id: int) -> SignUp:
    """CONFIRMED (instant, a place free), WAITLISTED (instant, full: not an error) or PENDING
    (the organiser approves)."""
    volunteer = await volunteer_of(principal)
    activity, session, position = await _context(session_id, position_id)
    await _check_eligible(volunteer, activity, session, position)
    async with atomic() as tx:
        session = await locked_session(session.id)
        # Read again under the lock: a cancellation or close may have committed meanwhile.
        activity = await Activity.get(id=activity.id)
        await _check_eligible(volunteer, activity, session, position)
        if await SignUp.exists(
            session_id=session.id, volunteer_id=volunteer.id, status__in=list(LIVE_SIGN_UP)
        ):
            raise DomainError(
                ActivityErrorCode.ALREADY_SIGNED_UP, "You are signed up for this session."
            )
        if await _is_busy(volunteer.id, session):
            raise DomainError(
                ActivityErrorCode.OVERLAPS,
                "You serve elsewhere at that time (an order or another activity).",
                "session",
            )
        if activity.signup_method == SignUpMethod.APPROVAL:
            status, event = SignUpStatus.PENDING, ActivityEventType.SIGN_UP_REQUESTED
        elif await _confirmed(session.id, position.id) < position.quota:
            status, event = SignUpStatus.CONFIRMED, ActivityEventType.SIGN_UP_CONFIRMED
        else:
            status, event = SignUpStatus.WAITLISTED, ActivityEventType.SIGN_UP_WAITLISTED
        row = await SignUp.create(
            session_id=session.id,
            position_id=position.id,
            activity_id=activity.id,
            volunteer_id=volunteer.id,
            status=status,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
        if status == SignUpStatus.CONFIRMED:
            await _recount(session)
        emit(tx, activity, event, sign_up=row)
    return row


async def _locked_sign_up(sign_up_id: int) -> tuple[Activity, ActivitySession, SignUp]:
    """Inside a transaction: the sign-up's session locked, then the sign-up read fresh."""
    found = await SignUp.get_or_none(id=sign_up_id)
    if found is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    session = await locked_session(found.session_id)
    row = await SignUp.get(id=sign_up_id)
    return await Activity.get(id=row.activity_id), session, row


async def cancel_own(principal: Principal, sign_up_id: int) -> SignUp:
    """The volunteer withdraws; a confirmed or pending place may be given up until
    ACTIVITY_CANCEL_CUTOFF_MINUTES before the session, a waiting-list entry until it starts."""
    volunteer = await volunteer_of(principal)
    existing = await SignUp.get_or_none(id=sign_up_id)
    if existing is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    if existing.volunteer_id != volunteer.id:
        raise DomainError(ActivityErrorCode.NOT_YOUR_SIGN_UP, "This is not your sign-up.")
    async with atomic() as tx:
        activity, session, row = await _locked_sign_up(sign_up_id)
        if row.status not in LIVE_SIGN_UP:
            raise DomainError(
                ActivityErrorCode.ILLEGAL_TRANSITION,
                f"Cannot cancel a sign-up that is {row.status.value}.",
            )
        now = datetime.now(UTC)
        cutoff = timedelta(minutes=get_settings().activity_cancel_cutoff_minutes)
        if row.status in HOLDING_SIGN_UP and now > session.starts_at - cutoff:
            raise DomainError(
                ActivityErrorCode.TOO_LATE_TO_CANCEL,
                "Too close to the session to cancel; ask the organiser.",
            )
        if now >= session.starts_at:
            raise DomainError(ActivityErrorCode.SESSION_OVER, "This session has begun.")
        was = row.status
        row.status = SignUpStatus.CANCELLED
        await SignUp.filter(id=row.id).update(status=SignUpStatus.CANCELLED, decided_at=now)
        promoted = []
        if was == SignUpStatus.CONFIRMED:
            promoted = await _promote(tx, activity, session, row.position_id)
            await _recount(session)
        emit(tx, activity, ActivityEventType.SIGN_UP_CANCELLED, sign_up=row, promoted=promoted)
    return row


_DECISIONS: dict[Decision, tuple[tuple[SignUpStatus, ...], ActivityEventType]] = {
    Decision.APPROVE: ((SignUpStatus.PENDING,), ActivityEventType.SIGN_UP_CONFIRMED),
    Decision.REJECT: (
        (SignUpStatus.PENDING, SignUpStatus.WAITLISTED),
        ActivityEventType.SIGN_UP_REJECTED,
    ),
    Decision.REMOVE: (
        (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED),
        ActivityEventType.SIGN_UP_REMOVED,
    ),
}


async def decide(
    principal: Principal, sign_up_id: int, decision: Decision, note: str = ""
) -> SignUp:
    """The organiser approves a request (a place if one is free, else the waiting list),
    rejects a request or a waiting-list entry, or removes a volunteer (whose place goes to
    the waiting list)."""
    existing = await SignUp.get_or_none(id=sign_up_id)
    if existing is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    activity = await Activity.get(id=existing.activity_id)
    await require_organiser(principal, activity.organization_id)
    if len(note) > 500:
        raise DomainError(ActivityErrorCode.NOTE_TOO_LONG, "Keep the note short (500).", "note")
    allowed, event = _DECISIONS[decision]
    async with atomic() as tx:
        activity, session, row = await _locked_sign_up(sign_up_id)
        if row.status not in allowed:
            raise DomainError(
                ActivityErrorCode.ILLEGAL_TRANSITION,
                f"Cannot {decision.value.lower()} a sign-up that is {row.status.value}.",
            )
        was = row.status
        if decision == Decision.APPROVE:
            position = await ActivityPosition.get(id=row.position_id)
            full = await _confirmed(session.id, position.id) >= position.quota
            row.status = SignUpStatus.WAITLISTED if full else SignUpStatus.CONFIRMED
            if full:
                event = ActivityEventType.SIGN_UP_WAITLISTED
        else:
            row.status = (
                SignUpStatus.REJECTED if decision == Decision.REJECT else SignUpStatus.REMOVED
            )
        now = datetime.now(UTC)
        await SignUp.filter(id=row.id).update(
            status=row.status, decided_at=now, decided_by_id=principal.user_id, note=note
        )
        promoted = []
        if was == SignUpStatus.CONFIRMED:
            promoted = await _promote(tx, activity, session, row.position_id)
        if SignUpStatus.CONFIRMED in (was, row.status):
            await _recount(session)
        emit(tx, activity, event, sign_up=row, promoted=promoted)
    return row
