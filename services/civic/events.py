"""What every civic-issue change shares: the error codes, the event types and topics, and the
one way a status moves (conditionally, with its timeline entry and event in the same
transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from models.civic import CivicAction, CivicIssue, CivicIssueTransition, CivicStatus
from services.civic.errors import CivicErrorCode
from services.common.errors import DomainError
from services.dispatch import center_topic, int_values
from subscriptions.events import EventTransaction

# Every civic event of the city, for a feed without a district.
CITY_TOPIC = "civic"


class CivicEventType(str, Enum):
    CIVIC_ISSUE_REPORTED = "CIVIC_ISSUE_REPORTED"
    CIVIC_ISSUE_FILED = "CIVIC_ISSUE_FILED"
    CIVIC_ISSUE_NOT_FILED = "CIVIC_ISSUE_NOT_FILED"
    CIVIC_ISSUE_MARKED_DUPLICATE = "CIVIC_ISSUE_MARKED_DUPLICATE"
    CIVIC_ISSUE_DISPATCHED = "CIVIC_ISSUE_DISPATCHED"
    CIVIC_ISSUE_RECTIFICATION_STARTED = "CIVIC_ISSUE_RECTIFICATION_STARTED"
    CIVIC_ISSUE_RECTIFIED = "CIVIC_ISSUE_RECTIFIED"
    CIVIC_ISSUE_VERIFIED = "CIVIC_ISSUE_VERIFIED"
    CIVIC_ISSUE_REOPENED = "CIVIC_ISSUE_REOPENED"
    CIVIC_ISSUE_CLOSED_UNRESOLVED = "CIVIC_ISSUE_CLOSED_UNRESOLVED"
    CIVIC_ISSUE_PHOTOS_ADDED = "CIVIC_ISSUE_PHOTOS_ADDED"


EVENT_OF = {
    CivicAction.REPORT: CivicEventType.CIVIC_ISSUE_REPORTED,
    CivicAction.FILE: CivicEventType.CIVIC_ISSUE_FILED,
    CivicAction.REJECT: CivicEventType.CIVIC_ISSUE_NOT_FILED,
    CivicAction.MARK_DUPLICATE: CivicEventType.CIVIC_ISSUE_MARKED_DUPLICATE,
    CivicAction.DISPATCH: CivicEventType.CIVIC_ISSUE_DISPATCHED,
    CivicAction.START_RECTIFICATION: CivicEventType.CIVIC_ISSUE_RECTIFICATION_STARTED,
    CivicAction.RECTIFY: CivicEventType.CIVIC_ISSUE_RECTIFIED,
    CivicAction.VERIFY: CivicEventType.CIVIC_ISSUE_VERIFIED,
    CivicAction.REOPEN: CivicEventType.CIVIC_ISSUE_REOPENED,
    CivicAction.CLOSE_UNRESOLVED: CivicEventType.CIVIC_ISSUE_CLOSED_UNRESOLVED,
    CivicAction.ADD_PHOTOS: CivicEventType.CIVIC_ISSUE_PHOTOS_ADDED,
}
CIVIC_EVENT_TYPES = frozenset(t.value for t in CivicEventType)


def issue_topic(issue_id: int) -> str:
    return f"civic-issue:{issue_id}"


def district_topic(district_id: int) -> str:
    return f"civic-district:{district_id}"


def not_found(code: CivicErrorCode = CivicErrorCode.ISSUE_NOT_FOUND) -> DomainError:
    field = "original" if code is CivicErrorCode.ORIGINAL_NOT_FOUND else "id"
    return DomainError(code, "No such civic issue.", field)


def illegal(issue: CivicIssue, action: CivicAction) -> DomainError:
    return DomainError(
        CivicErrorCode.ILLEGAL_TRANSITION,
        f"Cannot {action.value.lower().replace('_', ' ')} an issue that is {issue.status.value}.",
    )


async def record(
    tx: EventTransaction,
    issue: CivicIssue,
    previous: CivicStatus | None,
    action: CivicAction,
    actor_id: int | None,
    note: str,
    at: datetime,
) -> None:
    """The timeline entry and the event of a change already written to `issue`. The event goes
    to the issue, to the issues marked duplicates of it (their updates follow it), to its
    district and the city, and to its dispatch centre's wall."""
    await CivicIssueTransition.create(
        issue_id=issue.id,
        action=action,
        from_status=previous,
        to_status=issue.status,
        actor_id=actor_id,
        at=at,
        note=note[:500],
    )
    duplicates = await int_values(CivicIssue.filter(duplicate_of_id=issue.id), "id")
    topics = [
        issue_topic(issue.id),
        *(issue_topic(d) for d in duplicates),
        district_topic(issue.district_id),
        CITY_TOPIC,
        center_topic(issue.dispatch_center_id),
    ]
    payload: dict[str, Any] = {
        "civicIssueId": issue.id,
        "token": issue.token,
        "districtId": issue.district_id,
        "dispatchCenterId": issue.dispatch_center_id,
        "categoryId": issue.category_id,
        "previousStatus": previous.value if previous else None,
        "status": issue.status.value,
        "action": action.value,
        "note": note[:200],
    }
    tx.record(EVENT_OF[action].value, topics, payload)


async def move(
    tx: EventTransaction,
    issue: CivicIssue,
    to: CivicStatus,
    action: CivicAction,
    actor_id: int | None,
    note: str = "",
    updates: dict[str, Any] | None = None,
) -> None:
    """Moves the issue on, conditionally on the status it was read with, so that a concurrent
    change (even on SQLite, where rows are not locked) fails this one instead of being
    overwritten."""
    now = datetime.now(UTC)
    values = {"status_note": note[:500], **(updates or {})}
    changed = await CivicIssue.filter(id=issue.id, status=issue.status).update(
        status=to, updated_at=now, **values
    )
    if not changed:
        raise DomainError(CivicErrorCode.ILLEGAL_TRANSITION, "The issue changed meanwhile; reload.")
    previous = issue.status
    issue.status = to
    issue.updated_at = now
    for key, value in values.items():
        setattr(issue, key, value)
    await record(tx, issue, previous, action, actor_id, note, now)
