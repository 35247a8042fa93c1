"""What notifies whom: for each event type of the log, who is told, with what text, about which
object. A domain that wants its events to notify people adds its rules here with `rule(...)`;
event types without a rule notify nobody."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.civic import CivicIssue
from models.dispatch import ServiceOrder
from models.rewards import Redemption
from models.volunteers import Volunteer
from services.civic.events import CivicEventType
from services.dispatch import DispatchEventType

# The event the periodic check (services/notifications/reminders.py) logs for a benefit code.
BENEFIT_CODE_EXPIRING = "BENEFIT_CODE_EXPIRING"


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


async def messages_of(type_: str, payload: dict[str, Any]) -> list[Message]:
    """Every user an event notifies, once each (the first rule naming a user wins)."""
    found: dict[int, Message] = {}
    for finder in _RULES.get(type_, []):
        for message in await finder({**payload, "type": type_}):
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
