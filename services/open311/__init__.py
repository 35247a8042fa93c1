"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) read side, over the civic-issue domain.

Our civic categories are the Open311 services, a civic issue is a service request and its public
token is the `service_request_id` (database ids are enumerable, tokens are not). This module
maps issues onto the spec's fields; `services.open311.search` applies the spec's query rules
and `services.open311.submit` creates requests. Nothing here knows HTTP or XML: the API layer
parses parameters into these calls and renders what they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from models.civic import OPEN_ISSUE, CivicCategory, CivicIssue, CivicPhoto, CivicStatus
from services import civic
from services.common.errors import DomainError
from services.common.storage import media_url
from services.open311.errors import Open311ErrorCode

OPEN = "open"
CLOSED = "closed"
# Open: reported and not decided, or filed and not fixed yet. Everything else is closed (the
# spec's "it has been resolved"): rectified or verified, not filed, a duplicate, or closed
# without a fix. A reopened case is DISPATCHED again, so it is open again.
OPEN_STATUSES = frozenset(OPEN_ISSUE)
CLOSED_STATUSES = frozenset(CivicStatus) - OPEN_STATUSES

_NOTES = {
    CivicStatus.REPORTED: "Reported; the command centre will file it as a case or say why not.",
    CivicStatus.FILED: "Filed as a case.",
    CivicStatus.DISPATCHED: "Dispatched to the department responsible.",
    CivicStatus.RECTIFYING: "The department is rectifying it.",
    CivicStatus.RECTIFIED: "Rectified.",
    CivicStatus.VERIFIED: "Rectified, and the fix verified.",
    CivicStatus.NOT_FILED: "Not filed as a case.",
    CivicStatus.DUPLICATE: "A duplicate of an earlier request.",
    CivicStatus.CLOSED_UNRESOLVED: "Closed without a fix.",
}


# The resource named in the URL (or the service_code of a POST) does not exist: HTTP 404.
NOT_FOUND_CODES = frozenset(
    {
        Open311ErrorCode.SERVICE_NOT_FOUND,
        Open311ErrorCode.REQUEST_NOT_FOUND,
        Open311ErrorCode.TOKEN_NOT_FOUND,
    }
)


def open311_status(status: CivicStatus) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


def service_notice(category: CivicCategory) -> str:
    """What the city will do about a request of this service (the spec's service_notice)."""
    return (
        f"{category.department} is responsible. The command centre files a report as a case "
        f"or says why not; a filed case is to be rectified within {category.deadline_hours} hours."
    )


def keywords(category: CivicCategory) -> str:
    """Synonyms for apps' search boxes: the Chinese name, the English name and the group."""
    return ", ".join(k for k in (category.name_zh, category.name_en, category.group_name) if k)


async def service(code: str) -> CivicCategory:
    """An active service by its code, or SERVICE_NOT_FOUND."""
    category = await civic.category_by_code(code.strip()) if code.strip() else None
    if category is None or not category.active:
        raise DomainError(
            Open311ErrorCode.SERVICE_NOT_FOUND,
            f"No service has the service_code {code.strip()!r}.",
            "service_code",
        )
    return category


@dataclass(frozen=True)
class RequestView:
    """One service request, field for field as GET Service Request(s) returns it. address_id
    and zipcode are not kept by us and are always empty."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str
    lat: float
    long: float
    media_url: str | None


def status_notes(issue: CivicIssue, original_token: str | None) -> str:
    if issue.status is CivicStatus.DUPLICATE and original_token:
        label = f"A duplicate of request {original_token}."
    elif issue.status is CivicStatus.DISPATCHED and issue.reopen_count:
        # DISPATCHED after a first rectification can only come from a reopening.
        label = "Reopened (not actually fixed) and dispatched again."
    else:
        label = _NOTES[issue.status]
    note = issue.status_note.strip()
    # mark_duplicate's default note only repeats the label.
    if not note or (original_token and note.lower() == f"duplicate of {original_token}".lower()):
        return label
    return f"{label} {note}"


async def request_views(issues: Sequence[CivicIssue]) -> list[RequestView]:
    """The views of many issues in a fixed number of statements, whatever their number: the
    catalogue, the first photo of each, and the originals of duplicates."""
    if not issues:
        return []
    categories = {c.id: c for c in await CivicCategory.all()}
    ids = [issue.id for issue in issues]
    first_photo: dict[int, str] = {}
    rows: list[tuple[int, str]] = await (
        CivicPhoto.filter(issue_id__in=ids).order_by("id").values_list("issue_id", "storage_key")
    )
    for issue_id, key in rows:
        first_photo.setdefault(int(issue_id), str(key))
    original_ids = {i.duplicate_of_id for i in issues if i.duplicate_of_id is not None}
    originals: dict[int, str] = {}
    if original_ids:
        pairs: list[tuple[int, str]] = await CivicIssue.filter(id__in=original_ids).values_list(
            "id", "token"
        )
        originals = {int(i): str(t) for i, t in pairs}
    views = []
    for issue in issues:
        category = categories[issue.category_id]
        photo = first_photo.get(issue.id)
        original = originals.get(issue.duplicate_of_id) if issue.duplicate_of_id else None
        views.append(
            RequestView(
                service_request_id=issue.token,
                status=open311_status(issue.status),
                status_notes=status_notes(issue, original),
                service_name=category.name_en,
                service_code=category.code,
                description=issue.description,
                agency_responsible=issue.department or category.department,
                service_notice=service_notice(category),
                requested_datetime=issue.reported_at,
                updated_datetime=issue.updated_at,
                expected_datetime=issue.deadline,
                address=issue.address,
                lat=issue.lat,
                long=issue.lng,
                media_url=media_url(photo) if photo else None,
            )
        )
    return views


async def request_view(service_request_id: str) -> RequestView:
    issue = await civic.get_issue(service_request_id)
    if issue is None:
        raise DomainError(
            Open311ErrorCode.REQUEST_NOT_FOUND,
            f"No service request has the id {service_request_id.strip()!r}.",
            "service_request_id",
        )
    [view] = await request_views([issue])
    return view


async def request_id_of_token(token: str) -> str:
    """Our requests are `realtime`: POST returns the service_request_id, never a token. A
    client that asks anyway, with the reference it holds, gets that same reference back."""
    issue = await civic.get_issue(token)
    if issue is None:
        raise DomainError(Open311ErrorCode.TOKEN_NOT_FOUND, f"No token {token.strip()!r}.", "token")
    return issue.token
