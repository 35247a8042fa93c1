"""iCalendar feeds (RFC 5545, the `icalendar` package) that phones subscribe to: one per
activity (public once published), and each volunteer's own sign-ups behind a secret URL
token, which the volunteer can rotate to revoke an old URL."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from icalendar import Calendar, Event

from models.activities import (
    LIVE_SIGN_UP,
    Activity,
    ActivitySession,
    CalendarToken,
    SessionStatus,
    SignUp,
)
from services.activities.discovery import PUBLIC
from services.activities.sign_ups import volunteer_of
from services.common.principal import Principal

PRODUCT = "-//volunteer-city//activities//ZH"
DOMAIN = "volunteer-city"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(principal: Principal) -> str:
    """A new feed token for the signed-in volunteer; the previous URL stops working."""
    volunteer = await volunteer_of(principal)
    token = secrets.token_urlsafe(24)
    await CalendarToken.filter(volunteer_id=volunteer.id).delete()
    await CalendarToken.create(volunteer_id=volunteer.id, token_hash=_hash(token))
    return token


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(activity: Activity, session: ActivitySession, status: str | None = None) -> Event:
    event = Event()
    event.add("uid", f"session-{session.id}@{DOMAIN}")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", activity.title if status is None else f"{activity.title} ({status})")
    event.add("location", activity.address)
    event.add("geo", (session.lat, session.lng))
    event.add("description", activity.description)
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


async def activity_feed(activity_id: int) -> bytes | None:
    """Every session of a public activity; None for one that is not (or not yet) public."""
    activity = await Activity.get_or_none(id=activity_id, status__in=list(PUBLIC))
    if activity is None:
        return None
    calendar = _calendar(activity.title)
    for session in await ActivitySession.filter(activity_id=activity.id).order_by("starts_at"):
        calendar.add_component(_event(activity, session))
    ical: bytes = calendar.to_ical()
    return ical


async def volunteer_feed(token: str) -> bytes | None:
    """The volunteer's live sign-ups (confirmed, pending, waitlisted); None for a bad token."""
    found = await CalendarToken.get_or_none(token_hash=_hash(token))
    if found is None:
        return None
    calendar = _calendar("我的志愿服务")
    rows = await SignUp.filter(volunteer_id=found.volunteer_id, status__in=list(LIVE_SIGN_UP))
    sessions = {s.id: s for s in await ActivitySession.filter(id__in=[r.session_id for r in rows])}
    activities = {a.id: a for a in await Activity.filter(id__in=[r.activity_id for r in rows])}
    for row in sorted(rows, key=lambda r: (r.starts_at, r.id)):
        calendar.add_component(
            _event(activities[row.activity_id], sessions[row.session_id], row.status.value)
        )
    ical: bytes = calendar.to_ical()
    return ical
