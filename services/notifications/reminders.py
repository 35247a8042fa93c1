"""The periodic checks behind reminders: benefit codes about to expire, and activity sessions
about to start for the volunteers confirmed for them. Each reminder is logged as an event once
(a unique row per kind and object — the redemption, the sign-up — written in the event's
transaction), so every process may run the checks, however often and after any restart, and
the worker's scan turns the event into notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from models.activities import ActivitySession, SessionStatus, SignUp, SignUpStatus
from models.notifications import NotificationReminder
from models.rewards import Redemption, RedemptionStatus
from services.notifications.recipients import ACTIVITY_SESSION_REMINDER, BENEFIT_CODE_EXPIRING
from services.rewards import volunteer_rewards_topic
from subscriptions.events import atomic

BATCH = 200


def reminder_topic(volunteer_id: int) -> str:
    """A volunteer's session reminders: nobody streams it (the notification is streamed under
    the user's own topic), and unlike an activity's topic it is not public."""
    return f"reminders:volunteer:{volunteer_id}"


async def _log_once(kind: str, object_id: int, topic: str, payload: dict[str, Any]) -> bool:
    try:
        async with atomic() as tx:
            await NotificationReminder.create(kind=kind, object_id=object_id)
            tx.record(kind, [topic], payload)
    except IntegrityError:
        return False  # another process reminded of it first
    return True


async def log_expiring_codes(now: datetime, notice: timedelta) -> int:
    """Logs a BENEFIT_CODE_EXPIRING event for each unused code that expires within `notice`
    and was not reminded of yet; returns how many it logged."""
    reminded = NotificationReminder.filter(kind=BENEFIT_CODE_EXPIRING).values("object_id")
    due = (
        await Redemption.filter(
            status=RedemptionStatus.ISSUED, expires_at__gt=now, expires_at__lte=now + notice
        )
        .exclude(id__in=Subquery(reminded))
        .order_by("id")
        .limit(BATCH)
    )
    logged = 0
    for redemption in due:
        payload: dict[str, Any] = {
            "redemptionId": redemption.id,
            "benefitId": redemption.benefit_id,
            "volunteerId": redemption.volunteer_id,
            "expiresAt": redemption.expires_at.isoformat(),
        }
        topic = volunteer_rewards_topic(redemption.volunteer_id)
        logged += await _log_once(BENEFIT_CODE_EXPIRING, redemption.id, topic, payload)
    return logged


async def log_session_reminders(now: datetime, notice: timedelta) -> int:
    """Logs an ACTIVITY_SESSION_REMINDER event for each confirmed sign-up whose session (still
    scheduled) starts within `notice` and was not reminded of yet; returns how many it logged.
    A sign-up made or confirmed inside that window is reminded at once."""
    starting = ActivitySession.filter(
        status=SessionStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + notice
    ).values("id")
    reminded = NotificationReminder.filter(kind=ACTIVITY_SESSION_REMINDER).values("object_id")
    due = (
        await SignUp.filter(session_id__in=Subquery(starting), status=SignUpStatus.CONFIRMED)
        .exclude(id__in=Subquery(reminded))
        .order_by("id")
        .limit(BATCH)
        .only("id", "session_id", "activity_id", "volunteer_id", "starts_at")
    )
    logged = 0
    for sign_up in due:
        payload: dict[str, Any] = {
            "signUpId": sign_up.id,
            "sessionId": sign_up.session_id,
            "activityId": sign_up.activity_id,
            "volunteerId": sign_up.volunteer_id,
            "startsAt": sign_up.starts_at.isoformat(),
        }
        topic = reminder_topic(sign_up.volunteer_id)
        logged += await _log_once(ACTIVITY_SESSION_REMINDER, sign_up.id, topic, payload)
    return logged
