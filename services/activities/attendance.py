"""Attendance at an activity's session: a confirmed volunteer checks in and out on site, by the
rotating code that the organiser's phone or the station's screen shows and/or their position
within the session's check-in radius, within the session's window (the rules are those of
service orders, services/common/presence.py). The check-out files the PENDING service record,
clipped to the session and flagged for the organisers, who confirm it like an order's."""

from __future__ import annotations

from datetime import UTC, datetime

from models.activities import Activity, ActivitySession, SessionStatus, SignUp, SignUpStatus
from models.dispatch import RecordFlag, ServiceRecord
from models.stations import Station
from models.volunteers import pack_tags
from services.activities import ActivityEventType, emit, not_found
from services.activities.errors import ActivityErrorCode
from services.activities.sign_ups import volunteer_of
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
from services.common.principal import Principal
from services.dispatch.service_records import Attended, file_record
from services.organizations import is_org_admin
from subscriptions.events import atomic


def _refused(error: Refused) -> DomainError:
    return DomainError(ActivityErrorCode(error.reason.value), error.message, error.field)


def _presence(session: ActivitySession, proof: Proof, now: datetime) -> Attendance:
    place = Place(session.lat, session.lng, session.checkin_radius_m)
    return check_presence(Subject.SESSION, session.id, place, proof, now)


async def _own(principal: Principal, sign_up_id: int) -> SignUp:
    volunteer = await volunteer_of(principal)
    row = await SignUp.get_or_none(id=sign_up_id)
    if row is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    if row.volunteer_id != volunteer.id:
        raise DomainError(ActivityErrorCode.NOT_YOUR_SIGN_UP, "This is not your sign-up.")
    return row


async def _locked(sign_up_id: int) -> tuple[Activity, ActivitySession, SignUp]:
    """Inside a transaction: the sign-up, row-locked (PostgreSQL), with its session."""
    row = await SignUp.filter(id=sign_up_id).select_for_update().first()
    if row is None:
        raise not_found(ActivityErrorCode.SIGN_UP_NOT_FOUND, "signUp")
    session = await ActivitySession.get(id=row.session_id)
    return await Activity.get(id=row.activity_id), session, row


async def check_in(
    principal: Principal, sign_up_id: int, proof: Proof, now: datetime | None = None
) -> SignUp:
    await _own(principal, sign_up_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        activity, session, row = await _locked(sign_up_id)
        if row.status != SignUpStatus.CONFIRMED:
            raise DomainError(
                ActivityErrorCode.NOT_SIGNED_UP, "Only a confirmed place checks in.", "signUp"
            )
        if session.status != SessionStatus.SCHEDULED:
            raise DomainError(ActivityErrorCode.NOT_OPEN, "This session was cancelled.")
        if row.checked_in_at is not None:
            raise DomainError(ActivityErrorCode.ALREADY_CHECKED_IN, "You are checked in.")
        try:
            check_in_window(session.starts_at, session.ends_at, now)
            seen = _presence(session, proof, now)
        except Refused as error:
            raise _refused(error) from None
        row.checked_in_at = now
        row.checkin_flags = pack_tags([RecordFlag.FAR_CHECK_IN.value]) if seen.far else None
        await SignUp.filter(id=row.id).update(
            checked_in_at=row.checked_in_at, checkin_flags=row.checkin_flags
        )
        emit(tx, activity, ActivityEventType.CHECKED_IN, sign_up=row)
    return row


async def check_out(
    principal: Principal, sign_up_id: int, proof: Proof, now: datetime | None = None
) -> ServiceRecord:
    await _own(principal, sign_up_id)
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        activity, session, row = await _locked(sign_up_id)
        if row.checked_in_at is None:
            raise DomainError(ActivityErrorCode.NOT_CHECKED_IN, "Check in first.", "signUp")
        if row.checked_out_at is not None:
            raise DomainError(ActivityErrorCode.ALREADY_CHECKED_OUT, "You checked out already.")
        try:
            seen = _presence(session, proof, now)
            record = await file_record(
                Attended(
                    volunteer_id=row.volunteer_id,
                    window_start=session.starts_at,
                    window_end=session.ends_at,
                    checked_in_at=row.checked_in_at,
                    checked_out_at=now,
                    checkin_flags=row.checkin_flags,
                    far_check_out=seen.far,
                ),
                sign_up_id=row.id,
                organization_id=activity.organization_id,
            )
        except Refused as error:
            raise _refused(error) from None
        row.checked_out_at = now
        await SignUp.filter(id=row.id).update(checked_out_at=now)
        emit(tx, activity, ActivityEventType.CHECKED_OUT, sign_up=row)
    return record


async def may_show_code(principal: Principal, activity: Activity) -> bool:
    """The organisers, and the admins of the station hosting the activity (its screen)."""
    if await is_org_admin(principal, activity.organization_id):
        return True
    if activity.station_id is None:
        return False
    station = await Station.get_or_none(id=activity.station_id)
    if station is None or station.organization_id is None:
        return False
    return await is_org_admin(principal, station.organization_id)


async def session_code(
    principal: Principal, session_id: int
) -> tuple[ActivitySession, RotatingCode]:
    """The code to show on site for the session's volunteers to scan."""
    principal.require_user()
    session = await ActivitySession.get_or_none(id=session_id)
    if session is None:
        raise not_found(ActivityErrorCode.SESSION_NOT_FOUND, "session")
    activity = await Activity.get(id=session.activity_id)
    if not await may_show_code(principal, activity):
        raise NotPermitted("Only the organisers or the hosting station show the code.")
    if session.status != SessionStatus.SCHEDULED:
        raise DomainError(ActivityErrorCode.NOT_OPEN, "This session was cancelled.", "session")
    return session, current_code(Subject.SESSION, session.id)
