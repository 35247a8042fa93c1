"""Finding activities: the public list with its filters (near a point, district, category,
skill, dates, open places, organisation), and a volunteer's own sign-ups."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from models.activities import (
    Activity,
    ActivityPosition,
    ActivitySession,
    ActivityStatus,
    SessionStatus,
    SignUp,
)
from models.organizations import OrganizationCategory
from models.volunteers import Skill, Volunteer
from services.activities.errors import ActivityErrorCode
from services.common.distance import haversine_meters
from services.common.errors import Collector
from services.common.principal import Principal
from services.organizations import lookups as organization_lookups
from services.stations import Box
from services.volunteers import CITY_BOUNDS

# What everybody sees; drafts and submissions only their organisation's admins.
PUBLIC = (ActivityStatus.PUBLISHED, ActivityStatus.CLOSED, ActivityStatus.CANCELLED)
MAX_WITHIN_KM = 100.0


@dataclass(frozen=True)
class Near:
    lat: float
    lng: float
    within_km: float


@dataclass(frozen=True)
class ActivityFilter:
    near: Near | None = None
    district_id: int | None = None
    category: OrganizationCategory | None = None
    skill: Skill | None = None
    starts_from: datetime | None = None
    ends_by: datetime | None = None
    has_openings: bool | None = None
    organization_id: int | None = None


async def visible(principal: Principal) -> Q:
    if principal.is_admin:
        return Q()
    condition = Q(status__in=list(PUBLIC))
    if principal.user_id is not None:
        (own,) = await organization_lookups.admin_organization_ids_of_users([principal.user_id])
        if own:
            condition |= Q(organization_id__in=sorted(own))
    return condition


def _check(criteria: ActivityFilter) -> None:
    collector = Collector()
    near = criteria.near
    if near is not None:
        lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
        if not (lat_min <= near.lat <= lat_max and lng_min <= near.lng <= lng_max):
            collector.add(ActivityErrorCode.INVALID_FILTER, "A point in Huizhou.", "near")
        if not 0 < near.within_km <= MAX_WITHIN_KM:
            collector.add(
                ActivityErrorCode.INVALID_FILTER, f"withinKm is 0-{MAX_WITHIN_KM:g}.", "near"
            )
    if criteria.starts_from and criteria.ends_by and criteria.ends_by <= criteria.starts_from:
        collector.add(ActivityErrorCode.INVALID_FILTER, "`to` is after `from`.", "to")
    collector.raise_if_any()


async def filtered(principal: Principal, criteria: ActivityFilter) -> QuerySet[Activity]:
    """The activities matching every given criterion. `near` measures the great-circle
    distance: a bounding box narrows the candidates in the database, and the few inside it are
    measured exactly here (one statement), so the list pages exactly. Raises coded
    INVALID_FILTER problems."""
    _check(criteria)
    query = Activity.filter(await visible(principal))
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    if criteria.category is not None:
        query = query.filter(category=criteria.category)
    if criteria.organization_id is not None:
        query = query.filter(organization_id=criteria.organization_id)
    if criteria.skill is not None:
        tag = f"|{criteria.skill.value}|"
        positions = ActivityPosition.filter(
            Q(required_skills__contains=tag) | Q(required_qualifications__contains=tag)
        )
        query = query.filter(id__in=Subquery(positions.values("activity_id")))
    sessions = ActivitySession.filter(status=SessionStatus.SCHEDULED)
    by_session = False
    if criteria.starts_from is not None:
        sessions, by_session = sessions.filter(ends_at__gt=criteria.starts_from), True
    if criteria.ends_by is not None:
        sessions, by_session = sessions.filter(starts_at__lt=criteria.ends_by), True
    if criteria.has_openings:
        now = datetime.now(UTC)
        sessions, by_session = sessions.filter(openings__gt=0, starts_at__gt=now), True
        query = query.filter(status=ActivityStatus.PUBLISHED)
    if by_session:
        query = query.filter(id__in=Subquery(sessions.values("activity_id")))
    if criteria.near is not None:
        near = criteria.near
        reach = near.within_km * 1000
        box = Box.around(near.lat, near.lng, reach)
        candidates: list[Any] = await query.filter(
            lat__gte=box.lat_min, lat__lte=box.lat_max, lng__gte=box.lng_min, lng__lte=box.lng_max
        ).values_list("id", "lat", "lng")
        inside = [
            int(i)
            for i, lat, lng in candidates
            if haversine_meters(near.lat, near.lng, lat, lng) <= reach
        ]
        query = query.filter(id__in=inside)
    return query


def by_distance(query: QuerySet[Activity], near: Near) -> QuerySet[Activity]:
    """Adds `distance`, a key that orders activities by how far they are from `near`: the
    squared equirectangular distance in degrees of latitude. Plain arithmetic (SQLite has no
    trigonometry), and at a city's scale it orders exactly as the great-circle distance does;
    it is a sort key, not metres."""
    lat, lng = float(near.lat), float(near.lng)
    stretch = math.cos(math.radians(lat))  # a degree of longitude is this much shorter
    # Tortoise's F expressions do not multiply by each other; the three numbers are floats
    # (repr is exact and cannot carry SQL), the columns this table's own.
    key = (
        f'(("lat" - {lat!r}) * ("lat" - {lat!r}) '
        f'+ ("lng" - {lng!r}) * ("lng" - {lng!r}) * {stretch * stretch!r})'
    )
    return query.annotate(distance=RawSQL(key))


async def my_sign_ups(principal: Principal, upcoming_only: bool = False) -> QuerySet[SignUp]:
    """The signed-in volunteer's sign-ups (none for anyone else)."""
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    query = SignUp.filter(volunteer_id=volunteer.id if volunteer else 0)
    if upcoming_only:
        query = query.filter(ends_at__gt=datetime.now(UTC))
    return query
