"""Ranking volunteers for an order, with the reasons. SQL narrows to a bounded candidate set
(active, nearby, free in the window, with a required skill when any is required), those fit for
the order's category first; the score is computed on that set.

The parts, out of 100, weigh what a dispatcher weighs: whether the volunteer can do this kind of
help at all (category fit, 30), the skills the requester named (20), a valid certificate of the
training school for it (15), how far away they live (15), whether they are usually free then (8),
how busy they already are (6), and their experience in confirmed hours (6). So a volunteer fit
for the category and certified outranks an unfit one next door, and distance decides between
equals."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.expressions import Case, Q, Subquery, When
from tortoise.functions import Count

from models.activities import Qualification
from models.dispatch import OPEN_ASSIGNMENT, AssignmentStatus, OrderAssignment, ServiceOrder
from models.volunteers import Availability, Skill, Volunteer, VolunteerStatus, unpack_tags
from services.dispatch import int_values
from services.dispatch.categories import CategoryNeeds, needs_of
from services.volunteers import star_level

CITY_ZONE = ZoneInfo("Asia/Shanghai")
MAX_CANDIDATES = 300
# About 15 km around the order: a volunteer farther away is not "nearby" for a home visit.
RADIUS_KM = 15.0
DEGREES_AROUND = 0.15

CATEGORY_POINTS = 30.0
# Only helpful skills: a partial fit, at most this much.
HELPFUL_POINTS = 12.0
SKILL_POINTS = 20.0
QUALIFICATION_POINTS = 15.0
DISTANCE_POINTS = 15.0
UNKNOWN_HOME_POINTS = 3.0
AVAILABILITY_POINTS = 8.0
LOAD_POINTS = 6.0
# Three open assignments and a volunteer has no room left.
FULL_LOAD = 3
EXPERIENCE_POINTS = 6.0
MAX_STARS = 5


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


def _has_any(skills: Iterable[str]) -> Q:
    values = sorted(s.value if isinstance(s, Skill) else s for s in skills)
    return Q(*[Q(skills__contains=f"|{s}|") for s in values], join_type="OR")


async def _candidates(order: ServiceOrder, needs: CategoryNeeds) -> list[Volunteer]:
    near = Q(district_id=order.district_id) | Q(
        home_lat__gte=order.lat - DEGREES_AROUND,
        home_lat__lte=order.lat + DEGREES_AROUND,
        home_lng__gte=order.lng - DEGREES_AROUND,
        home_lng__lte=order.lng + DEGREES_AROUND,
    )
    query = Volunteer.filter(near, status=VolunteerStatus.ACTIVE)
    skills = unpack_tags(order.required_skills)
    if skills:
        query = query.filter(_has_any(set(skills)))
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
    if needs.core:
        # Among thousands nearby, the bounded set must hold those who can do this kind of help,
        # not merely those with the most hours.
        query = query.annotate(fit=Case(When(_has_any(needs.core), then="1"), default="0"))
        return await query.order_by("-fit", "-total_hours", "id").limit(MAX_CANDIDATES)
    return await query.order_by("-total_hours", "id").limit(MAX_CANDIDATES)


async def _open_counts(volunteer_ids: list[int]) -> dict[int, int]:
    rows = (
        await OrderAssignment.filter(volunteer_id__in=volunteer_ids, status__in=OPEN_ASSIGNMENT)
        .group_by("volunteer_id")
        .annotate(n=Count("id"))
        .values("volunteer_id", "n")
    )
    return {int(r["volunteer_id"]): int(r["n"]) for r in rows}


async def _certified(volunteer_ids: list[int], skills: set[str], at: datetime) -> set[int]:
    """Those holding a valid qualification in one of `skills`."""
    if not skills or not volunteer_ids:
        return set()
    valid = Qualification.filter(
        volunteer_id__in=volunteer_ids, skill__in=sorted(skills), expires_at__gt=at
    )
    return set(await int_values(valid, "volunteer_id"))


def _category_part(order: ServiceOrder, needs: CategoryNeeds, has: set[str]) -> ScorePart:
    category = order.category.value
    if not needs.core:
        return ScorePart("category", CATEGORY_POINTS, CATEGORY_POINTS, f"{category}: anyone fits")
    core = sorted(needs.core & has)
    if core:
        return ScorePart(
            "category", CATEGORY_POINTS, CATEGORY_POINTS, f"{category}: has {', '.join(core)}"
        )
    helpful = sorted(needs.helpful & has)
    if helpful:
        points = min(HELPFUL_POINTS, HELPFUL_POINTS / 2 * len(helpful))
        return ScorePart(
            "category",
            points,
            CATEGORY_POINTS,
            f"{category}: no {'/'.join(sorted(needs.core))}, but {', '.join(helpful)}",
        )
    return ScorePart(
        "category",
        0.0,
        CATEGORY_POINTS,
        f"{category}: none of {', '.join(sorted(needs.core))}",
    )


def _skills_part(order: ServiceOrder, has: set[str]) -> ScorePart:
    required = set(unpack_tags(order.required_skills))
    if not required:
        return ScorePart("skills", SKILL_POINTS, SKILL_POINTS, "no particular skill asked for")
    matched = sorted(required & has)
    return ScorePart(
        "skills",
        round(SKILL_POINTS * len(matched) / len(required), 2),
        SKILL_POINTS,
        f"has {len(matched)} of {len(required)} skills asked for: {', '.join(matched) or '-'}",
    )


def _qualification_part(wanted: set[str], certified: bool) -> ScorePart:
    if not wanted:
        return ScorePart(
            "qualification", QUALIFICATION_POINTS, QUALIFICATION_POINTS, "no certificate needed"
        )
    names = "/".join(sorted(wanted))
    if certified:
        return ScorePart(
            "qualification", QUALIFICATION_POINTS, QUALIFICATION_POINTS, f"certified {names}"
        )
    return ScorePart("qualification", 0.0, QUALIFICATION_POINTS, f"no valid {names} certificate")


def _distance_part(order: ServiceOrder, volunteer: Volunteer) -> tuple[ScorePart, float | None]:
    if volunteer.home_lat is None or volunteer.home_lng is None:
        part = ScorePart(
            "distance", UNKNOWN_HOME_POINTS, DISTANCE_POINTS, "home unknown; lives in the district"
        )
        return part, None
    distance = great_circle_km(order.lat, order.lng, volunteer.home_lat, volunteer.home_lng)
    points = round(DISTANCE_POINTS * max(0.0, 1.0 - distance / RADIUS_KM), 2)
    return ScorePart("distance", points, DISTANCE_POINTS, f"lives {distance:.1f} km away"), distance


def _score(
    order: ServiceOrder,
    needs: CategoryNeeds,
    wanted_certificates: set[str],
    volunteer: Volunteer,
    open_count: int,
    certified: bool,
) -> Suggestion:
    has = set(unpack_tags(volunteer.skills))
    distance_part, distance = _distance_part(order, volunteer)
    slot = slot_of(order)
    free = slot.value in unpack_tags(volunteer.availability)
    stars = star_level(volunteer.total_hours)
    parts = [
        _category_part(order, needs, has),
        _skills_part(order, has),
        _qualification_part(wanted_certificates, certified),
        distance_part,
        ScorePart(
            "availability",
            AVAILABILITY_POINTS if free else 0.0,
            AVAILABILITY_POINTS,
            f"usually free on {slot.value}" if free else f"not declared free on {slot.value}",
        ),
        ScorePart(
            "load",
            round(LOAD_POINTS * max(0.0, 1.0 - open_count / FULL_LOAD), 2),
            LOAD_POINTS,
            f"{open_count} open assignment(s)",
        ),
        ScorePart(
            "experience",
            round(EXPERIENCE_POINTS * min(stars, MAX_STARS) / MAX_STARS, 2),
            EXPERIENCE_POINTS,
            f"{volunteer.total_hours} confirmed hours, {stars}★",
        ),
    ]
    score = round(sum(p.points for p in parts), 2)
    return Suggestion(volunteer, score, round(distance, 2) if distance is not None else None, parts)


def wanted_certificates(order: ServiceOrder, needs: CategoryNeeds) -> set[str]:
    """The certificates that count for the order (any one of them does): its category's, and
    the skills the requester asked for, certified."""
    wanted = set(unpack_tags(order.required_skills))
    if needs.qualification is not None:
        wanted.add(needs.qualification.value)
    return wanted


async def suggest(order: ServiceOrder, first: int = 10) -> list[Suggestion]:
    """The best `first` free volunteers for the order, best first, each with its score parts.
    Three statements whatever the size of the registry."""
    needs = needs_of(order.category)
    candidates = await _candidates(order, needs)
    ids = [c.id for c in candidates]
    counts = await _open_counts(ids) if candidates else {}
    wanted = wanted_certificates(order, needs)
    certified = await _certified(ids, wanted, datetime.now(UTC))
    ranked = sorted(
        (
            _score(order, needs, wanted, c, counts.get(c.id, 0), c.id in certified)
            for c in candidates
        ),
        key=lambda s: (-s.score, s.volunteer.id),
    )
    return ranked[: max(0, first)]
