"""An organisation's activities: creating one with its positions and sessions (one-off, or
expanded from a weekly rule), and its states DRAFT → (PENDING_APPROVAL →) PUBLISHED → CLOSED /
CANCELLED."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from models.accounts import Role
from models.activities import (
    LIVE_SIGN_UP,
    Activity,
    ActivityKind,
    ActivityPosition,
    ActivitySession,
    ActivityStatus,
    SessionStatus,
    SignUp,
    SignUpMethod,
    SignUpStatus,
)
from models.geography import District
from models.organizations import Organization, OrganizationCategory
from models.stations import Station
from models.volunteers import Skill, pack_tags
from services.activities import (
    ActivityEventType,
    emit,
    get_activity,
    not_found,
    require_organiser,
)
from services.activities.errors import ActivityErrorCode
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from services.volunteers import CITY_BOUNDS
from settings import get_settings
from subscriptions.events import atomic

CITY_ZONE = "Asia/Shanghai"
MAX_SESSION_HOURS = 24
MAX_POSITIONS = 20
MAX_QUOTA = 1000
MAX_RADIUS_M = 5000
MAX_DEADLINE_MINUTES = 30 * 24 * 60
MAX_VALID_DAYS = 10 * 366
# dateutil's weekday constants by the names the API uses (RFC 5545's BYDAY).
WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}


@dataclass(frozen=True)
class Recurrence:
    """Every `weekdays` from `start_date` to `until` (inclusive), `start_time` to `end_time` in
    `timezone`'s wall-clock time (so a session stays at 09:00 whatever the offset)."""

    weekdays: list[str]
    start_time: time
    end_time: time
    start_date: date
    until: date
    timezone: str = CITY_ZONE

    def rule(self) -> str:
        days = ",".join(d for d in WEEKDAYS if d in self.weekdays)
        return f"FREQ=WEEKLY;BYDAY={days};UNTIL={self.until:%Y%m%d}"


@dataclass(frozen=True)
class NewPosition:
    name: str
    quota: int
    required_skills: list[Skill] = field(default_factory=list)
    required_qualifications: list[Skill] = field(default_factory=list)


@dataclass
class NewActivity:
    organization_id: int
    title: str
    category: OrganizationCategory
    address: str
    lat: float
    lng: float
    positions: list[NewPosition]
    sessions: list[tuple[datetime, datetime]] = field(default_factory=list)
    recurrence: Recurrence | None = None
    kind: ActivityKind = ActivityKind.SERVICE
    description: str = ""
    station_id: int | None = None
    district_id: int | None = None
    checkin_radius_m: int = 200
    min_age: int = 0
    signup_deadline_minutes: int = 0
    signup_method: SignUpMethod = SignUpMethod.INSTANT
    grants_qualification: Skill | None = None
    qualification_valid_days: int = 0


def expand(recurrence: Recurrence, limit: int) -> list[tuple[datetime, datetime]]:
    """The sessions of a weekly rule, in UTC; at most `limit` + 1 (the caller refuses more)."""
    zone = ZoneInfo(recurrence.timezone)
    days = [WEEKDAYS[d] for d in WEEKDAYS if d in recurrence.weekdays]
    first = datetime.combine(recurrence.start_date, recurrence.start_time)
    last = datetime.combine(recurrence.until, recurrence.start_time)
    length = datetime.combine(recurrence.start_date, recurrence.end_time) - first
    sessions = []
    for start in rrule.rrule(rrule.WEEKLY, dtstart=first, until=last, byweekday=days):
        local = start.replace(tzinfo=zone)
        sessions.append((local.astimezone(UTC), (local + length).astimezone(UTC)))
        if len(sessions) > limit:
            break
    return sessions


def _check_recurrence(collector: Collector, recurrence: Recurrence) -> bool:
    ok = True
    if not recurrence.weekdays or any(d not in WEEKDAYS for d in recurrence.weekdays):
        collector.add(
            ActivityErrorCode.INVALID_RECURRENCE, "Name the weekdays (MO-SU).", "recurrence"
        )
        ok = False
    if recurrence.end_time <= recurrence.start_time:
        collector.add(
            ActivityErrorCode.INVALID_RECURRENCE,
            "A session ends after it starts, on the same day.",
            "recurrence",
        )
        ok = False
    if recurrence.until < recurrence.start_date:
        collector.add(
            ActivityErrorCode.INVALID_RECURRENCE, "`until` is before the first day.", "recurrence"
        )
        ok = False
    try:
        ZoneInfo(recurrence.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        collector.add(ActivityErrorCode.INVALID_RECURRENCE, "Unknown time zone.", "recurrence")
        ok = False
    return ok


def _check_positions(collector: Collector, positions: list[NewPosition]) -> None:
    if not positions:
        collector.add(ActivityErrorCode.NO_POSITIONS, "Offer at least one position.", "positions")
    if len(positions) > MAX_POSITIONS:
        collector.add(
            ActivityErrorCode.INVALID_POSITION, f"At most {MAX_POSITIONS} positions.", "positions"
        )
    for position in positions:
        if not 1 <= len(position.name.strip()) <= 64:
            collector.add(
                ActivityErrorCode.INVALID_POSITION, "Name each position (1-64).", "positions"
            )
        if not 1 <= position.quota <= MAX_QUOTA:
            collector.add(
                ActivityErrorCode.INVALID_POSITION,
                f"A position's quota is 1-{MAX_QUOTA} per session.",
                "positions",
            )


def _sessions(collector: Collector, data: NewActivity) -> list[tuple[datetime, datetime]]:
    limit = get_settings().activity_max_sessions
    sessions = list(data.sessions)
    if data.recurrence is not None and _check_recurrence(collector, data.recurrence):
        sessions += expand(data.recurrence, limit)
    now = datetime.now(UTC)
    for start, end in data.sessions:
        if start.tzinfo is None or end.tzinfo is None:
            collector.add(ActivityErrorCode.INVALID_SESSION, "Give times with a zone.", "sessions")
        elif not start < end <= start + timedelta(hours=MAX_SESSION_HOURS):
            collector.add(
                ActivityErrorCode.INVALID_SESSION,
                f"A session ends after it starts, within {MAX_SESSION_HOURS} hours.",
                "sessions",
            )
        elif end <= now:
            collector.add(ActivityErrorCode.INVALID_SESSION, "A session is over.", "sessions")
    if not sessions and not collector.problems:
        collector.add(ActivityErrorCode.NO_SESSIONS, "Give sessions or a recurrence.", "sessions")
    if len(sessions) > limit:
        collector.add(
            ActivityErrorCode.TOO_MANY_SESSIONS,
            f"At most {limit} sessions per activity; split it.",
            "recurrence",
        )
    return sorted(s for s in sessions if s[1] > now)


def _check_fields(collector: Collector, data: NewActivity) -> None:
    if not 2 <= len(data.title.strip()) <= 128:
        collector.add(ActivityErrorCode.INVALID_TITLE, "Give a title (2-128).", "title")
    if len(data.description) > 5000:
        collector.add(ActivityErrorCode.INVALID_DESCRIPTION, "At most 5000.", "description")
    if not 2 <= len(data.address.strip()) <= 256:
        collector.add(ActivityErrorCode.INVALID_ADDRESS, "Give the address (2-256).", "address")
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    if not (lat_min <= data.lat <= lat_max and lng_min <= data.lng <= lng_max):
        collector.add(ActivityErrorCode.INVALID_LOCATION, "The place is in Huizhou.", "location")
    if not 10 <= data.checkin_radius_m <= MAX_RADIUS_M:
        collector.add(
            ActivityErrorCode.INVALID_RADIUS,
            f"The check-in radius is 10-{MAX_RADIUS_M} m.",
            "checkinRadiusM",
        )
    if not 0 <= data.min_age <= 100:
        collector.add(ActivityErrorCode.INVALID_AGE, "The minimum age is 0-100.", "minAge")
    if not 0 <= data.signup_deadline_minutes <= MAX_DEADLINE_MINUTES:
        collector.add(
            ActivityErrorCode.INVALID_DEADLINE,
            "Sign-ups close 0-30 days before a session.",
            "signupDeadlineMinutes",
        )
    training = data.kind == ActivityKind.TRAINING
    if training != (data.grants_qualification is not None) or (
        training and not 1 <= data.qualification_valid_days <= MAX_VALID_DAYS
    ):
        collector.add(
            ActivityErrorCode.INVALID_QUALIFICATION,
            "A training (and only a training) grants a qualification, valid 1-3660 days.",
            "grantsQualification",
        )


async def create_activity(principal: Principal, data: NewActivity) -> Activity:
    """A DRAFT with its positions and sessions; its organisation's admins create it."""
    organization = await Organization.get_or_none(id=data.organization_id)
    if organization is None:
        raise not_found(ActivityErrorCode.ORGANIZATION_NOT_FOUND, "organization")
    await require_organiser(principal, organization.id)
    collector = Collector()
    _check_fields(collector, data)
    _check_positions(collector, data.positions)
    sessions = _sessions(collector, data)
    district_id = data.district_id
    if data.station_id is not None:
        station = await Station.get_or_none(id=data.station_id)
        if station is None:
            collector.add(ActivityErrorCode.STATION_NOT_FOUND, "No such station.", "station")
        elif district_id is None:
            district_id = station.district_id
    if district_id is None:
        district_id = organization.district_id
    elif not await District.exists(id=district_id):
        collector.add(ActivityErrorCode.INVALID_LOCATION, "No such district.", "district")
    collector.raise_if_any()
    async with atomic():
        activity = await Activity.create(
            organization_id=organization.id,
            station_id=data.station_id,
            district_id=district_id,
            kind=data.kind,
            title=data.title.strip(),
            category=data.category,
            description=data.description.strip(),
            address=data.address.strip(),
            lat=data.lat,
            lng=data.lng,
            checkin_radius_m=data.checkin_radius_m,
            min_age=data.min_age,
            signup_deadline_minutes=data.signup_deadline_minutes,
            signup_method=data.signup_method,
            recurrence=data.recurrence.rule() if data.recurrence else "",
            grants_qualification=data.grants_qualification,
            qualification_valid_days=data.qualification_valid_days,
            created_by_id=principal.user_id,
            first_starts_at=sessions[0][0],
            last_ends_at=max(end for _, end in sessions),
        )
        for position in data.positions:
            await ActivityPosition.create(
                activity_id=activity.id,
                name=position.name.strip(),
                quota=position.quota,
                required_skills=pack_tags([s.value for s in position.required_skills]),
                required_qualifications=pack_tags(
                    [s.value for s in position.required_qualifications]
                ),
            )
        places = sum(p.quota for p in data.positions)
        await ActivitySession.bulk_create(
            [
                ActivitySession(
                    activity_id=activity.id,
                    starts_at=start,
                    ends_at=end,
                    lat=data.lat,
                    lng=data.lng,
                    checkin_radius_m=data.checkin_radius_m,
                    openings=places,
                )
                for start, end in sessions
            ]
        )
    return activity


async def _move(
    principal: Principal,
    activity: Activity,
    allowed: tuple[ActivityStatus, ...],
    to: ActivityStatus,
    event: ActivityEventType,
    action: str,
) -> Activity:
    if activity.status not in allowed:
        raise DomainError(
            ActivityErrorCode.ILLEGAL_TRANSITION,
            f"Cannot {action} an activity that is {activity.status.value}.",
        )
    now = datetime.now(UTC)
    async with atomic() as tx:
        updates: dict[str, object] = {"status": to, "updated_at": now}
        if to == ActivityStatus.PUBLISHED:
            updates["published_at"] = now
        # Conditional on the status read, so two organisers racing cannot both move it.
        changed = await Activity.filter(id=activity.id, status=activity.status).update(**updates)
        if not changed:
            raise DomainError(ActivityErrorCode.ILLEGAL_TRANSITION, "It changed; reload it.")
        cancelled: list[int] = []
        if to == ActivityStatus.CANCELLED:
            # Sessions first: that takes their row locks, behind any sign-up in flight, so
            # the sign-ups' update below sees every sign-up committed before it.
            await ActivitySession.filter(activity_id=activity.id).update(
                status=SessionStatus.CANCELLED, openings=0
            )
            # No sign-up can commit past the session locks taken above, so these ids are
            # every live sign-up; the event names them so that each volunteer is told.
            live: list[Any] = await SignUp.filter(
                activity_id=activity.id, status__in=list(LIVE_SIGN_UP)
            ).values_list("id", flat=True)
            cancelled = sorted(int(i) for i in live)
            await SignUp.filter(id__in=cancelled).update(
                status=SignUpStatus.CANCELLED, decided_at=now, decided_by_id=principal.user_id
            )
        await activity.refresh_from_db()
        emit(tx, activity, event, extra={"cancelledSignUpIds": cancelled} if cancelled else None)
    return activity


async def publish(principal: Principal, activity_id: int) -> Activity:
    """Opens sign-ups, or (ACTIVITY_PUBLISH_NEEDS_APPROVAL) asks the district's staff first."""
    activity = await get_activity(activity_id)
    await require_organiser(principal, activity.organization_id)
    if get_settings().activity_publish_needs_approval and not principal.is_admin:
        return await _move(
            principal,
            activity,
            (ActivityStatus.DRAFT,),
            ActivityStatus.PENDING_APPROVAL,
            ActivityEventType.ACTIVITY_SUBMITTED,
            "submit",
        )
    return await _move(
        principal,
        activity,
        (ActivityStatus.DRAFT,),
        ActivityStatus.PUBLISHED,
        ActivityEventType.ACTIVITY_PUBLISHED,
        "publish",
    )


async def approve(principal: Principal, activity_id: int, approved: bool) -> Activity:
    """The district's staff (dispatchers and city administrators) decide a submitted activity:
    approved it is published, refused it goes back to DRAFT for the organiser to change."""
    principal.require_role((Role.DISPATCHER, Role.ADMIN))
    activity = await get_activity(activity_id)
    to = ActivityStatus.PUBLISHED if approved else ActivityStatus.DRAFT
    event = (
        ActivityEventType.ACTIVITY_PUBLISHED if approved else ActivityEventType.ACTIVITY_RETURNED
    )
    return await _move(
        principal, activity, (ActivityStatus.PENDING_APPROVAL,), to, event, "approve"
    )


async def close(principal: Principal, activity_id: int) -> Activity:
    """No more sign-ups; the sessions and their sign-ups stand."""
    activity = await get_activity(activity_id)
    await require_organiser(principal, activity.organization_id)
    return await _move(
        principal,
        activity,
        (ActivityStatus.PUBLISHED,),
        ActivityStatus.CLOSED,
        ActivityEventType.ACTIVITY_CLOSED,
        "close",
    )


async def cancel(principal: Principal, activity_id: int) -> Activity:
    """Calls it off: every session, and every live sign-up with it."""
    activity = await get_activity(activity_id)
    await require_organiser(principal, activity.organization_id)
    return await _move(
        principal,
        activity,
        (
            ActivityStatus.DRAFT,
            ActivityStatus.PENDING_APPROVAL,
            ActivityStatus.PUBLISHED,
            ActivityStatus.CLOSED,
        ),
        ActivityStatus.CANCELLED,
        ActivityEventType.ACTIVITY_CANCELLED,
        "cancel",
    )
