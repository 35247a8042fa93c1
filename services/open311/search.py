"""Open311 GeoReport v2 GET Service Requests: the spec's arguments applied to
`civic.list_issues` (ids override everything, a requested_datetime window of at most 90 days,
open/closed, service codes), newest first and at most 1,000."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.civic import CivicCategory, CivicStatus
from services import civic
from services.common.errors import DomainError
from services.open311 import (
    CLOSED,
    CLOSED_STATUSES,
    OPEN,
    OPEN_STATUSES,
    RequestView,
    request_views,
)
from services.open311.errors import Open311ErrorCode

# "Default query limit is a span of 90 days or first 1000 requests returned, whichever is
# smallest" (GET Service Requests, Response Volume); start_date/end_date "may not span more
# than 90 days".
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000


def parse_datetime(text: str, field: str) -> datetime:
    """A w3 datetime (ISO 8601 with a zone: 2010-01-01T00:00:00Z or +08:00), or a bare date
    taken as midnight UTC. A datetime without a zone is ambiguous and refused."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and "T" not in value.upper() and len(value) == 10:
        return parsed.replace(tzinfo=UTC)
    if parsed is None or parsed.tzinfo is None:
        raise DomainError(
            Open311ErrorCode.INVALID_DATE,
            f"{field} must be a w3 datetime with a zone, e.g. 2010-01-01T00:00:00Z.",
            field,
        )
    return parsed.astimezone(UTC)


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The requested_datetime range searched: both ends as given (at most 90 days apart), one
    end and 90 days from it, or the most recent 90 days."""
    if start is not None and end is not None:
        if end < start:
            raise DomainError(
                Open311ErrorCode.INVALID_DATE_RANGE, "end_date is before start_date.", "end_date"
            )
        if end - start > WINDOW:
            raise DomainError(
                Open311ErrorCode.INVALID_DATE_RANGE,
                "start_date and end_date may not span more than 90 days.",
                "end_date",
            )
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return now - WINDOW, now


@dataclass(frozen=True)
class RequestSearch:
    """GET Service Requests' parameters, parsed; None is "not given"."""

    service_request_ids: list[str] | None = None
    service_codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] | None = None


async def _category_ids(codes: list[str]) -> list[int]:
    found = {c.code: c.id for c in await CivicCategory.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise DomainError(
            Open311ErrorCode.UNKNOWN_SERVICE_CODE,
            f"No service has the service_code {', '.join(unknown)}.",
            "service_code",
        )
    return [found[code] for code in codes]


def _civic_statuses(statuses: list[str]) -> list[CivicStatus]:
    wrong = [s for s in statuses if s not in (OPEN, CLOSED)]
    if wrong:
        raise DomainError(
            Open311ErrorCode.INVALID_STATUS,
            f"status is open or closed, not {', '.join(wrong)}.",
            "status",
        )
    chosen: set[CivicStatus] = set()
    for status in statuses:
        chosen |= OPEN_STATUSES if status == OPEN else CLOSED_STATUSES
    return sorted(chosen)


async def search_requests(search: RequestSearch, now: datetime | None = None) -> list[RequestView]:
    """GET Service Requests: by ids (which "overrides all other arguments"), else by services,
    status and a requested_datetime window; newest first, at most 1,000."""
    if search.service_request_ids is not None:
        wanted = list(dict.fromkeys(t.strip().upper() for t in search.service_request_ids))
        if len(wanted) > MAX_REQUESTS:
            raise DomainError(
                Open311ErrorCode.TOO_MANY_IDS,
                f"At most {MAX_REQUESTS} service_request_id at once.",
                "service_request_id",
            )
        found = await civic.list_issues(civic.IssueFilter(tokens=wanted))
        by_token = {issue.token: issue for issue in found}
        return await request_views([by_token[t] for t in wanted if t in by_token])
    start, end = window(search.start, search.end, now or datetime.now(UTC))
    criteria = civic.IssueFilter(
        category_ids=await _category_ids(search.service_codes) if search.service_codes else None,
        status=_civic_statuses(search.statuses) if search.statuses else None,
        reported_from=start,
    )
    # end_date is the latest datetime included; the civic filter's upper bound is exclusive.
    query = civic.list_issues(criteria).filter(reported_at__lte=end)
    issues = await query.order_by("-reported_at", "-id").limit(MAX_REQUESTS)
    return await request_views(issues)
