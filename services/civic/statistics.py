"""civicIssueStatistics: how many issues were reported, filed, fixed — honestly.

Which issues: those reported in the half-open period [from, to) (either end may be open), of a
district and/or a category. Each is counted by where it is *now*:

- filed: ever opened as a case (it has a filing time), whatever happened after;
- rectified: its fix stands (RECTIFIED or VERIFIED). A reopened case drops out until it is
  rectified again, and a closure without a fix (CLOSED_UNRESOLVED) never counts;
- rectification rate = rectified ÷ filed (null when nothing was filed);
- reopened: reopened at least once; overdue: still open past its deadline, at `now`;
- median time to rectify: filing to the standing rectification, over the rectified issues.

Two SQL statements whatever the number of issues: one aggregate with conditional counts, and
one ordered OFFSET read of the middle value(s) of `rectify_seconds` — portable to SQLite, which
has no percentile function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.civic import FIXED, OPEN_CASE, CivicIssue, CivicStatus
from services.civic.errors import CivicErrorCode
from services.common.errors import DomainError


@dataclass(frozen=True)
class CivicFilter:
    district_id: int | None = None
    category_id: int | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None


@dataclass(frozen=True)
class CivicStatistics:
    reported: int
    filed: int
    not_filed: int
    duplicates: int
    rectified: int
    verified: int
    reopened: int
    closed_unresolved: int
    overdue: int
    median_seconds_to_rectify: float | None

    @property
    def rectification_rate(self) -> float | None:
        return self.rectified / self.filed if self.filed else None


def issues_of(criteria: CivicFilter) -> QuerySet[CivicIssue]:
    if (
        criteria.reported_from is not None
        and criteria.reported_to is not None
        and criteria.reported_to <= criteria.reported_from
    ):
        raise DomainError(CivicErrorCode.INVALID_DATES, "`to` must be later than `from`.", "to")
    query = CivicIssue.all()
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    if criteria.category_id is not None:
        query = query.filter(category_id=criteria.category_id)
    if criteria.reported_from is not None:
        query = query.filter(reported_at__gte=criteria.reported_from)
    if criteria.reported_to is not None:
        query = query.filter(reported_at__lt=criteria.reported_to)
    return query


def _counts(now: datetime) -> dict[str, Any]:
    return {
        "reported": Count("id"),
        "filed": Count("id", _filter=Q(filed_at__isnull=False)),
        "not_filed": Count("id", _filter=Q(status=CivicStatus.NOT_FILED)),
        "duplicates": Count("id", _filter=Q(status=CivicStatus.DUPLICATE)),
        "rectified": Count("id", _filter=Q(status__in=FIXED)),
        "verified": Count("id", _filter=Q(status=CivicStatus.VERIFIED)),
        "reopened": Count("id", _filter=Q(reopen_count__gt=0)),
        "closed_unresolved": Count("id", _filter=Q(status=CivicStatus.CLOSED_UNRESOLVED)),
        "overdue": Count("id", _filter=Q(status__in=OPEN_CASE, deadline__lt=now)),
    }


async def _median(query: QuerySet[CivicIssue], count: int) -> float | None:
    """The middle value (or the mean of the two middle ones) of `count` rectified issues."""
    if count == 0:
        return None
    values: list[Any] = (
        await query.filter(status__in=FIXED, rectify_seconds__isnull=False)
        .order_by("rectify_seconds", "id")
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
        .values_list("rectify_seconds", flat=True)
    )
    return sum(float(v) for v in values) / len(values) if values else None


async def civic_statistics(
    criteria: CivicFilter | None = None, now: datetime | None = None
) -> CivicStatistics:
    criteria = criteria or CivicFilter()
    query = issues_of(criteria)
    counts = _counts(now or datetime.now(UTC))
    row = await query.annotate(**counts).first().values(*counts)
    figures = {name: int((row or {}).get(name) or 0) for name in counts}
    median = await _median(query, figures["rectified"])
    return CivicStatistics(**figures, median_seconds_to_rectify=median)


async def rectification_counts(
    district_id: int | None, reported_after: datetime, reported_until: datetime
) -> tuple[int, int]:
    """(rectified, filed) of the issues reported in (after, until]: cityStatistics' period."""
    where: dict[str, Any] = {"reported_at__gt": reported_after, "reported_at__lte": reported_until}
    if district_id is not None:
        where["district_id"] = district_id
    row = (
        await CivicIssue.filter(**where)
        .annotate(
            filed=Count("id", _filter=Q(filed_at__isnull=False)),
            rectified=Count("id", _filter=Q(status__in=FIXED)),
        )
        .first()
        .values("filed", "rectified")
    )
    return (int(row["rectified"] or 0), int(row["filed"] or 0)) if row else (0, 0)
