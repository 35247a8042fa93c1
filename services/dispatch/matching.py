"""Ranking volunteers for an order, with the reasons: skills, distance, declared availability,
current load and star level. SQL narrows to a bounded candidate set (active, nearby, free in the
window, with a required skill when any is required); the score is computed on that set."""

from __future__ import annotations

import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from models.dispatch import OPEN_ASSIGNMENT, AssignmentStatus, OrderAssignment, ServiceOrder
from models.volunteers import Availability, Volunteer, VolunteerStatus, unpack_tags
from services.volunteers import star_level

CITY_ZONE = ZoneInfo("Asia/Shanghai")
MAX_CANDIDATES = 300
# About 15 km around the order: a volunteer farther away is not "nearby" for a home visit.
RADIUS_KM = 15.0
DEGREES_AROUND = 0.15


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: float
    max_points: float
    reason: str


@dataclass(frozen=True)
class Suggestion:
    volunteer: Volunteer
    score: float
    distance_km: float | None
    parts: list[ScorePart]


def great_circle_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def slot_of(order: ServiceOrder) -> Availability:
    local = order.window_start.astimezone(CITY_ZONE)
    day = "WEEKEND" if local.weekday() >= 5 else "WEEKDAY"
    part = "MORNING" if local.hour < 12 else "AFTERNOON" if local.hour < 18 else "EVENING"
    return Availability(f"{day}_{part}")


async def _candidates(order: ServiceOrder) -> list[Volunteer]:
    near = Q(district_id=order.district_id) | Q(
        home_lat__gte=order.lat - DEGREES_AROUND,
        home_lat__lte=order.lat + DEGREES_AROUND,
        home_lng__gte=order.lng - DEGREES_AROUND,
        home_lng__lte=order.lng + DEGREES_AROUND,
    )
    query = Volunteer.filter(near, status=VolunteerStatus.ACTIVE)
    skills = unpack_tags(order.required_skills)
    if skills:
        query = query.filter(Q(*[Q(skills__contains=f"|{s}|") for s in skills], join_type="OR"))
    busy = OrderAssignment.filter(
        status__in=OPEN_ASSIGNMENT,
        window_start__lt=order.window_end,
        window_end__gt=order.window_start,
        volunteer_id__isnull=False,
    ).values("volunteer_id")
    declined = OrderAssignment.filter(
        order_id=order.id, status=AssignmentStatus.DECLINED, volunteer_id__isnull=False
    ).values("volunteer_id")
    query = query.exclude(id__in=Subquery(busy)).exclude(id__in=Subquery(declined))
    return await query.order_by("-total_hours", "id").limit(MAX_CANDIDATES)


async def _open_counts(volunteer_ids: list[int]) -> dict[int, int]:
    rows = (
        await OrderAssignment.filter(volunteer_id__in=volunteer_ids, status__in=OPEN_ASSIGNMENT)
        .group_by("volunteer_id")
        .annotate(n=Count("id"))
        .values("volunteer_id", "n")
    )
    return {int(r["volunteer_id"]): int(r["n"]) for r in rows}


def _score(order: ServiceOrder, volunteer: Volunteer, open_count: int) -> Suggestion:
    required = set(unpack_tags(order.required_skills))
    has = set(unpack_tags(volunteer.skills))
    parts: list[ScorePart] = []
    if required:
        matched = sorted(required & has)
        parts.append(
            ScorePart(
                "skills",
                40.0 * len(matched) / len(required),
                40.0,
                f"has {len(matched)} of {len(required)} required skills: {', '.join(matched)}",
            )
        )
    else:
        parts.append(ScorePart("skills", 40.0, 40.0, "no particular skill required"))
    distance = None
    if volunteer.home_lat is not None and volunteer.home_lng is not None:
        distance = great_circle_km(order.lat, order.lng, volunteer.home_lat, volunteer.home_lng)
        points = round(25.0 * max(0.0, 1.0 - distance / RADIUS_KM), 2)
        parts.append(ScorePart("distance", points, 25.0, f"lives {distance:.1f} km away"))
    else:
        parts.append(ScorePart("distance", 5.0, 25.0, "home unknown; lives in the district"))
    slot = slot_of(order)
    free = slot.value in unpack_tags(volunteer.availability)
    parts.append(
        ScorePart(
            "availability",
            15.0 if free else 0.0,
            15.0,
            f"usually free on {slot.value}" if free else f"not declared free on {slot.value}",
        )
    )
    parts.append(
        ScorePart(
            "load",
            10.0 * max(0.0, 1.0 - open_count / 3),
            10.0,
            f"{open_count} open assignment(s)",
        )
    )
    stars = star_level(volunteer.total_hours)
    parts.append(ScorePart("starLevel", 2.0 * stars, 10.0, f"{stars}★"))
    score = round(sum(p.points for p in parts), 2)
    return Suggestion(volunteer, score, round(distance, 2) if distance is not None else None, parts)


async def suggest(order: ServiceOrder, first: int = 10) -> list[Suggestion]:
    """The best `first` free volunteers for the order, best first, each with its score parts.
    Three statements whatever the size of the registry."""
    candidates = await _candidates(order)
    counts = await _open_counts([c.id for c in candidates]) if candidates else {}
    ranked = sorted(
        (_score(order, c, counts.get(c.id, 0)) for c in candidates),
        key=lambda s: (-s.score, s.volunteer.id),
    )
    return ranked[: max(0, first)]
