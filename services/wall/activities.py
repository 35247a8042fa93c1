"""The wall's "today's activities" panel: the sessions of published activities held today (the
city's calendar day) in the districts of the centre's map, with places filled out of the quota.
Two statements whatever the number of sessions. The feed carries every activity event of those
districts (`activity_district_topic`), so a screen moves a session's count as sign-ups change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Sum

from models.activities import ActivityPosition, ActivitySession, ActivityStatus, SessionStatus
from models.dispatch import CenterCoverage
from models.geography import Community, District
from models.organizations import OrganizationCategory

# A panel lists a screenful; a city's busiest Saturday has fewer sessions in one district.
SESSION_LIMIT = 200


@dataclass(frozen=True)
class WallSession:
    id: int
    activity_id: int
    title: str
    category: OrganizationCategory
    district_id: int
    starts_at: datetime
    ends_at: datetime
    filled: int
    quota: int


async def _quotas(activity_ids: Sequence[int]) -> dict[int, int]:
    """Places per session of each activity: the sum of its positions' quotas."""
    rows: list[dict[str, Any]] = (
        await ActivityPosition.filter(activity_id__in=list(set(activity_ids)))
        .group_by("activity_id")
        .annotate(places=Sum("quota"))
        .values("activity_id", "places")
    )
    return {int(r["activity_id"]): int(r["places"] or 0) for r in rows}


async def sessions_today(district_ids: Sequence[int], day_start: datetime) -> list[WallSession]:
    """Today's scheduled sessions of published activities in the districts, earliest first."""
    if not district_ids:
        return []
    rows: list[dict[str, Any]] = (
        await ActivitySession.filter(
            activity__district_id__in=list(district_ids),
            activity__status=ActivityStatus.PUBLISHED,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=day_start,
            starts_at__lt=day_start + timedelta(days=1),
        )
        .order_by("starts_at", "id")
        .limit(SESSION_LIMIT)
        .values(
            "id",
            "activity_id",
            "starts_at",
            "ends_at",
            "openings",
            title="activity__title",
            category="activity__category",
            district_id="activity__district_id",
        )
    )
    quotas = await _quotas([r["activity_id"] for r in rows]) if rows else {}
    sessions = []
    for row in rows:
        quota = quotas.get(int(row["activity_id"]), 0)
        sessions.append(
            WallSession(
                id=int(row["id"]),
                activity_id=int(row["activity_id"]),
                title=str(row["title"]),
                category=OrganizationCategory(row["category"]),
                district_id=int(row["district_id"]),
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                filled=max(quota - int(row["openings"]), 0),
                quota=quota,
            )
        )
    return sessions


async def session_counts(session_ids: Sequence[int]) -> list[tuple[int, int] | None]:
    """(filled, quota) of each session now, None for an unknown one; two statements."""
    rows = await ActivitySession.filter(id__in=list(set(session_ids))).values(
        "id", "activity_id", "openings"
    )
    quotas = await _quotas([r["activity_id"] for r in rows]) if rows else {}
    found = {}
    for row in rows:
        quota = quotas.get(int(row["activity_id"]), 0)
        found[int(row["id"])] = (max(quota - int(row["openings"]), 0), quota)
    return [found.get(i) for i in session_ids]


async def area_district_ids(center_id: int) -> list[int]:
    """The districts of the centre's map (services.wall's area): those it covers wholly or in
    part; every district for a centre with no coverage of its own (the city's)."""
    coverage = await CenterCoverage.filter(center_id=center_id).values_list(
        "district_id", "community_id"
    )
    if not coverage:
        every: list[Any] = await District.all().values_list("id", flat=True)
        return sorted(int(d) for d in every)
    whole = {int(d) for d, c in coverage if c is None}
    parts = [int(c) for _, c in coverage if c is not None]
    if parts:
        of_parts: list[Any] = await Community.filter(id__in=parts).values_list(
            "district_id", flat=True
        )
        whole |= {int(d) for d in of_parts}
    return sorted(whole)
