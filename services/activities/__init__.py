"""Volunteer activities (志愿服务项目): what every part of the domain shares — its events and
their topic, and the look-ups with their coded refusals. The rules live in the modules named by
what they hold: `catalogue` (publishing an activity and its sessions), `sign_ups`, `training`
(the training school's certificates), `discovery` (the lists), `calendar` (iCalendar feeds)
and `attendance` (check-in and check-out, which file the service record).

Lock order everywhere: the session row, then the volunteer row, then sign-ups — the same as
dispatch's order row, then volunteers, so a sign-up and an assignment never deadlock."""

from __future__ import annotations

from enum import Enum
from typing import Any

from models.activities import Activity, ActivitySession, SignUp
from services.activities.errors import ActivityErrorCode
from services.common.errors import DomainError, NotPermitted
from services.common.principal import Principal
from services.organizations import is_org_admin
from subscriptions.events import EventTransaction


class ActivityEventType(str, Enum):
    ACTIVITY_PUBLISHED = "ACTIVITY_PUBLISHED"
    ACTIVITY_SUBMITTED = "ACTIVITY_SUBMITTED"
    # The district sent it back to DRAFT.
    ACTIVITY_RETURNED = "ACTIVITY_RETURNED"
    ACTIVITY_CLOSED = "ACTIVITY_CLOSED"
    ACTIVITY_CANCELLED = "ACTIVITY_CANCELLED"
    SIGN_UP_REQUESTED = "SIGN_UP_REQUESTED"
    SIGN_UP_CONFIRMED = "SIGN_UP_CONFIRMED"
    SIGN_UP_WAITLISTED = "SIGN_UP_WAITLISTED"
    SIGN_UP_PROMOTED = "SIGN_UP_PROMOTED"
    SIGN_UP_CANCELLED = "SIGN_UP_CANCELLED"
    SIGN_UP_REJECTED = "SIGN_UP_REJECTED"
    SIGN_UP_REMOVED = "SIGN_UP_REMOVED"
    TRAINING_COMPLETED = "TRAINING_COMPLETED"
    CHECKED_IN = "CHECKED_IN"
    CHECKED_OUT = "CHECKED_OUT"


ACTIVITY_EVENT_TYPES = frozenset(t.value for t in ActivityEventType)


def activity_topic(activity_id: int) -> str:
    return f"activity:{activity_id}"


def activity_district_topic(district_id: int) -> str:
    """Every activity event of a district: the dispatch walls of its centres follow it."""
    return f"activities-in:{district_id}"


def emit(
    tx: EventTransaction,
    activity: Activity,
    event: ActivityEventType,
    *,
    sign_up: SignUp | None = None,
    promoted: list[SignUp] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    payload: dict[str, Any] = {"activityId": activity.id, "status": activity.status.value}
    if sign_up is not None:
        payload |= {
            "signUpId": sign_up.id,
            "sessionId": sign_up.session_id,
            "positionId": sign_up.position_id,
            "volunteerId": sign_up.volunteer_id,
            "signUpStatus": sign_up.status.value,
        }
    if promoted:
        payload["promotedSignUpIds"] = [p.id for p in promoted]
    topics = [activity_topic(activity.id), activity_district_topic(activity.district_id)]
    tx.record(event.value, topics, payload | (extra or {}))


def not_found(code: ActivityErrorCode, field: str = "id") -> DomainError:
    thing = code.value.removesuffix("_NOT_FOUND").lower().replace("_", "-")
    return DomainError(code, f"No such {thing}.", field)


async def get_activity(activity_id: int, field: str = "activity") -> Activity:
    activity = await Activity.get_or_none(id=activity_id)
    if activity is None:
        raise not_found(ActivityErrorCode.ACTIVITY_NOT_FOUND, field)
    return activity


async def require_organiser(principal: Principal, organization_id: int) -> None:
    """The activity's organisation's admins (and city administrators) organise it."""
    principal.require_user()
    if not await is_org_admin(principal, organization_id):
        raise NotPermitted("Only an admin of the organising organisation can do this.")


async def locked_session(session_id: int) -> ActivitySession:
    """Inside a transaction: the session, row-locked on PostgreSQL until commit. Every change
    to a session's places takes this lock first, so they happen one at a time."""
    session = await ActivitySession.filter(id=session_id).select_for_update().first()
    if session is None:
        raise not_found(ActivityErrorCode.SESSION_NOT_FOUND, "session")
    return session
