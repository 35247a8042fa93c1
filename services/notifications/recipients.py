"""What notifies whom: for each event type of the log, who is told, with what text, about which
object. A domain that wants its events to notify people adds its rules here with `rule(...)`;
event types without a rule notify nobody."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from models.activities import Activity, ActivitySession, SignUp, SignUpStatus
from models.certificates import Certificate
from models.civic import CivicIssue
from models.dispatch import ServiceOrder
from models.rewards import Redemption
from models.volunteers import Volunteer
from services.activities import ActivityEventType
from services.certificates import CertificateEvent
from services.civic.events import CivicEventType
from services.dispatch import DispatchEventType
from services.notifications.schedule import CITY_ZONE

# The events the periodic checks (services/notifications/reminders.py) log: a benefit code
# about to expire, and an activity session a volunteer is confirmed for about to start.
BENEFIT_CODE_EXPIRING = "BENEFIT_CODE_EXPIRING"
ACTIVITY_SESSION_REMINDER = "ACTIVITY_SESSION_REMINDER"
# A decision about a place this close to the session is sent in quiet hours too: the volunteer
# must know before they set out (or that they need not).
SOON = timedelta(hours=24)


@dataclass(frozen=True)
class Message:
    """What one event tells one user."""

    user_id: int
    title: str
    body: str
    # The object as the API names it (a GraphQL type) and its database id.
    object_type: str
    object_id: int
    # Urgent messages are sent in quiet hours too.
    urgent: bool = False


Finder = Callable[[dict[str, Any]], Awaitable[list[Message]]]
_RULES: dict[str, list[Finder]] = {}


def rule(types: Iterable[str]) -> Callable[[Finder], Finder]:
    """Registers a finder of the users an event of these types notifies."""

    def register(finder: Finder) -> Finder:
        for type_ in types:
            _RULES.setdefault(type_, []).append(finder)
        return finder

    return register


def notifying_types() -> list[str]:
    return sorted(_RULES)


async def messages_of(
    type_: str, payload: dict[str, Any], occurred_at: datetime | None = None
) -> list[Message]:
    """Every user an event notifies, once each (the first rule naming a user wins). A finder
    reads the event's type as `type` and, when known, its time as `occurredAt`."""
    found: dict[int, Message] = {}
    context = {**payload, "type": type_, "occurredAt": occurred_at}
    for finder in _RULES.get(type_, []):
        for message in await finder(context):
            found.setdefault(message.user_id, message)
    return list(found.values())


async def _users_of_volunteers(volunteer_ids: Iterable[int]) -> list[int]:
    rows: list[Any] = await Volunteer.filter(
        id__in=list(volunteer_ids), user_id__isnull=False
    ).values_list("user_id", flat=True)
    return sorted({int(r) for r in rows})


# A volunteer of an assignment: they are expected to accept or decline it soon.
@rule([DispatchEventType.ORDER_ASSIGNED.value])
async def _assigned_volunteers(payload: dict[str, Any]) -> list[Message]:
    order_id = int(payload["orderId"])
    return [
        Message(
            user,
            "新的志愿服务派单 New assignment",
            f"You have been assigned service order #{order_id}. Please accept or decline it.",
            "ServiceOrder",
            order_id,
            urgent=True,
        )
        for user in await _users_of_volunteers(payload.get("volunteerIds") or [])
    ]


_ORDER_STEPS = {
    DispatchEventType.ORDER_SUBMITTED: ("订单已提交 Order received", "was received", False),
    DispatchEventType.ORDER_ASSIGNED: ("订单已派单 Volunteer assigned", "was assigned", False),
    DispatchEventType.ASSIGNMENT_ACCEPTED: (
        "志愿者已接单 Volunteer accepted",
        "was accepted by a volunteer",
        False,
    ),
    DispatchEventType.ORDER_STARTED: ("服务开始 Service started", "has started", False),
    DispatchEventType.ORDER_COMPLETED: ("服务完成 Service completed", "was completed", False),
    DispatchEventType.ORDER_CANCELLED: ("订单已取消 Order cancelled", "was cancelled", True),
    DispatchEventType.ORDER_EXPIRED: ("订单已过期 Order expired", "expired unserved", False),
}


# The requester of each step of their order.
@rule([t.value for t in _ORDER_STEPS])
async def _order_requester(payload: dict[str, Any]) -> list[Message]:
    order_id = int(payload["orderId"])
    order = await ServiceOrder.get_or_none(id=order_id).only("id", "requester_id")
    if order is None or order.requester_id is None:
        return []
    title, step, urgent = _ORDER_STEPS[DispatchEventType(payload["type"])]
    body = f"Your service order #{order_id} {step}."
    return [Message(order.requester_id, title, body, "ServiceOrder", order_id, urgent)]


_CIVIC_STEPS = [t for t in CivicEventType if t is not CivicEventType.CIVIC_ISSUE_PHOTOS_ADDED]


# The reporter of their civic issue's status (reported: the receipt of their report).
@rule([t.value for t in _CIVIC_STEPS])
async def _civic_reporter(payload: dict[str, Any]) -> list[Message]:
    issue_id = int(payload["civicIssueId"])
    issue = await CivicIssue.get_or_none(id=issue_id).only("id", "reporter_id")
    if issue is None or issue.reporter_id is None:
        return []
    status = str(payload.get("status", "")).replace("_", " ").lower()
    body = f"Your report #{issue_id} is now {status}."
    return [
        Message(issue.reporter_id, "城管问题进展 Civic issue update", body, "CivicIssue", issue_id)
    ]


# A volunteer whose benefit code is about to expire.
@rule([BENEFIT_CODE_EXPIRING])
async def _expiring_code(payload: dict[str, Any]) -> list[Message]:
    redemption_id = int(payload["redemptionId"])
    redemption = await Redemption.get_or_none(id=redemption_id).select_related("benefit")
    if redemption is None:
        return []
    users = await _users_of_volunteers([redemption.volunteer_id])
    body = (
        f"Your code for {redemption.benefit.name} expires at "
        f"{payload.get('expiresAt', '')[:16].replace('T', ' ')} UTC; use it before then."
    )
    return [
        Message(user, "优待即将过期 Benefit code expiring", body, "Redemption", redemption_id)
        for user in users
    ]


_SIGN_UP_DECISIONS = {
    ActivityEventType.SIGN_UP_CONFIRMED: (
        "报名成功 Sign-up confirmed",
        "Your place at {activity} on {when} is confirmed.",
        False,
    ),
    ActivityEventType.SIGN_UP_WAITLISTED: (
        "候补中 On the waiting list",
        "{activity} on {when} is full: you are on the waiting list and will be told if a "
        "place frees.",
        False,
    ),
    ActivityEventType.SIGN_UP_PROMOTED: (
        "候补转正 You have a place",
        "A place freed at {activity} on {when}: you are confirmed.",
        True,
    ),
    ActivityEventType.SIGN_UP_REJECTED: (
        "报名未通过 Sign-up declined",
        "The organiser declined your sign-up for {activity} on {when}.",
        False,
    ),
    ActivityEventType.SIGN_UP_REMOVED: (
        "已被移出 Removed from the session",
        "The organiser removed you from {activity} on {when}.",
        True,
    ),
}


def _local(at: datetime) -> str:
    return f"{at.astimezone(CITY_ZONE):%Y-%m-%d %H:%M}"


def _with_note(body: str, note: object) -> str:
    text = str(note or "").strip()
    return f"{body} Note: {text}" if text else body


# The volunteer of each decision about their activity sign-up. Their own cancellation and a
# request awaiting the organiser tell them nothing new.
@rule([t.value for t in _SIGN_UP_DECISIONS])
async def _sign_up_volunteer(payload: dict[str, Any]) -> list[Message]:
    sign_up_id = int(payload["signUpId"])
    row = await SignUp.get_or_none(id=sign_up_id).only(
        "id", "volunteer_id", "activity_id", "starts_at", "note"
    )
    if row is None:
        return []
    activity = await Activity.get_or_none(id=row.activity_id).only("id", "title")
    title, text, time_critical = _SIGN_UP_DECISIONS[ActivityEventType(payload["type"])]
    name = activity.title if activity is not None else "the activity"
    body = text.format(activity=name, when=_local(row.starts_at))
    if payload["type"] in (
        ActivityEventType.SIGN_UP_REJECTED.value,
        ActivityEventType.SIGN_UP_REMOVED.value,
    ):
        body = _with_note(body, row.note)
    occurred = payload.get("occurredAt")
    urgent = time_critical and (
        not isinstance(occurred, datetime) or row.starts_at - occurred <= SOON
    )
    return [
        Message(user, title, body, "ActivitySignUp", sign_up_id, urgent)
        for user in await _users_of_volunteers([row.volunteer_id])
    ]


# Each volunteer whose sign-up the activity's cancellation ended (the event names them): one
# message per sign-up, urgent when its session was within a day.
@rule([ActivityEventType.ACTIVITY_CANCELLED.value])
async def _activity_cancelled(payload: dict[str, Any]) -> list[Message]:
    ids = [int(i) for i in payload.get("cancelledSignUpIds") or []]
    if not ids:
        return []
    activity = await Activity.get_or_none(id=int(payload["activityId"])).only("id", "title")
    name = activity.title if activity is not None else "the activity"
    rows = await SignUp.filter(id__in=ids).only("id", "volunteer_id", "starts_at")
    users: dict[int, int] = dict(
        await Volunteer.filter(
            id__in=[r.volunteer_id for r in rows], user_id__isnull=False
        ).values_list("id", "user_id")
    )
    occurred = payload.get("occurredAt")
    messages = []
    for row in rows:
        user = users.get(row.volunteer_id)
        if user is None:
            continue
        urgent = not isinstance(occurred, datetime) or row.starts_at - occurred <= SOON
        body = f"The organiser cancelled {name}: your place on {_local(row.starts_at)} is void."
        messages.append(
            Message(user, "活动已取消 Activity cancelled", body, "ActivitySignUp", row.id, urgent)
        )
    return messages


# A volunteer confirmed for a session, NOTIFICATION_SESSION_NOTICE_HOURS before it (logged once
# per sign-up; at once for a place confirmed later than that).
@rule([ACTIVITY_SESSION_REMINDER])
async def _session_reminder(payload: dict[str, Any]) -> list[Message]:
    sign_up_id = int(payload["signUpId"])
    row = await SignUp.get_or_none(id=sign_up_id).only(
        "id", "volunteer_id", "activity_id", "session_id", "status"
    )
    # Cancelled or removed between the check and the scan: nothing to remind of.
    if row is None or row.status != SignUpStatus.CONFIRMED:
        return []
    activity = await Activity.get_or_none(id=row.activity_id).only("id", "title", "address")
    session = await ActivitySession.get_or_none(id=row.session_id).only("id", "starts_at")
    if activity is None or session is None:
        return []
    where = f" at {activity.address}" if activity.address else ""
    body = f"{activity.title} starts {_local(session.starts_at)}{where}. See you there."
    return [
        Message(user, "活动提醒 Your activity is coming up", body, "ActivitySignUp", sign_up_id)
        for user in await _users_of_volunteers([row.volunteer_id])
    ]


_CERTIFICATE_STEPS = {
    CertificateEvent.ISSUED: ("证明已出具 Certificate issued", "issued your certificate"),
    CertificateEvent.DECLINED: (
        "证明申请未通过 Certificate declined",
        "declined your certificate request",
    ),
    CertificateEvent.REVOKED: ("证明已撤销 Certificate revoked", "revoked your certificate"),
}


# The volunteer whose certificate was issued, declined (with the reason) or revoked.
@rule([t.value for t in _CERTIFICATE_STEPS])
async def _certificate_volunteer(payload: dict[str, Any]) -> list[Message]:
    certificate_id = int(payload["certificateId"])
    row = await Certificate.get_or_none(id=certificate_id).select_related("organization")
    if row is None:
        return []
    step = CertificateEvent(payload["type"])
    title, did = _CERTIFICATE_STEPS[step]
    period = f"{row.period_start.isoformat()} to {row.period_end.isoformat()}"
    body = f"{row.organization.name} {did} of your service from {period}."
    if step is CertificateEvent.ISSUED and row.number:
        body += f" Number {row.number}."
    elif step is CertificateEvent.DECLINED:
        body += f" Reason: {row.decline_reason}"
    elif step is CertificateEvent.REVOKED:
        body += f" Reason: {row.revocation_reason}"
    return [
        Message(user, title, body, "Certificate", certificate_id)
        for user in await _users_of_volunteers([row.volunteer_id])
    ]
