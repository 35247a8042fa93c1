"""Demo activities: recurring weekend activities at the good-person and community stations (the
seed's free clinics, parent-child reading and free haircuts every Saturday and Sunday) over the
past year and the next four weeks, and the training school's first-aid course; with confirmed
sign-ups (some sessions full, with a waiting list) dealt out to a rota of three quarters of the
volunteers, a different part of it each weekend day, and the trainees' first-aid certificates.
Attendance at the past sessions is `demo.attendance`'s. Idempotent: does nothing once any
activity exists."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.activities import (
    Activity,
    ActivityKind,
    ActivityPosition,
    ActivitySession,
    ActivityStatus,
    Qualification,
    SignUp,
    SignUpMethod,
    SignUpStatus,
)
from models.organizations import Organization, OrganizationCategory
from models.stations import Station, StationKind
from models.volunteers import Skill, Volunteer, VolunteerStatus, pack_tags
from subscriptions.events import atomic

CITY_ZONE = ZoneInfo("Asia/Shanghai")
WEEKS_BEFORE = 52
WEEKS_AFTER = 4
# The seed's city: 75% of the registered take part. The rest of the pool never serves here.
ROTA_SHARE = 0.76
COMMUNITY_HOSTS = 15
# How far the rota moves on from one weekend day to the next (prime: it cycles through all).
ROTA_STEP = 61
# (title, category, positions as (name, quota, required qualifications))
WEEKEND: list[tuple[str, OrganizationCategory, list[tuple[str, int, list[Skill]]]]] = [
    (
        "周末义诊",
        OrganizationCategory.PUBLIC_HEALTH,
        [("导诊", 4, []), ("急救保障", 1, [Skill.FIRST_AID])],
    ),
    ("亲子阅读", OrganizationCategory.YOUTH_AND_CHILDREN, [("故事老师", 3, [])]),
    ("爱心义剪", OrganizationCategory.ELDERLY_CARE, [("理发师", 2, []), ("秩序引导", 2, [])]),
    ("文明交通劝导", OrganizationCategory.CIVILISED_TRAFFIC, [("劝导员", 6, [])]),
]


def _weekend_days(today: datetime) -> list[datetime]:
    start = (today - timedelta(weeks=WEEKS_BEFORE)).date()
    days = [start + timedelta(days=d) for d in range((WEEKS_BEFORE + WEEKS_AFTER) * 7 + 1)]
    return [datetime.combine(d, time(9, 0), CITY_ZONE) for d in days if d.weekday() >= 5]


async def seed_activities() -> int:
    """Returns the number of sign-ups added."""
    if await Activity.exists():
        return 0
    stations = await Station.filter(
        kind__in=[StationKind.GOOD_PERSON_STATION, StationKind.COMMUNITY_SERVICE_STATION]
    ).order_by("kind", "id")
    organizations = await Organization.all().order_by("id")
    ids: list[Any] = await (
        Volunteer.filter(status=VolunteerStatus.ACTIVE).order_by("-id").values_list("id", flat=True)
    )
    pool = [int(i) for i in ids]
    if not stations or not organizations or not pool:
        return 0
    rota = pool[: max(1, int(len(pool) * ROTA_SHARE))]
    now = datetime.now(UTC)
    added = 0
    async with atomic():
        hosts = [s for s in stations if s.kind == StationKind.GOOD_PERSON_STATION]
        hosts += [s for s in stations if s.kind != StationKind.GOOD_PERSON_STATION][
            :COMMUNITY_HOSTS
        ]
        # Volunteers are dealt out per weekend slot, so nobody serves two activities at once.
        slot_offset = 0
        for index, station in enumerate(hosts):
            title, category, positions = WEEKEND[index % len(WEEKEND)]
            organization = organizations[index % len(organizations)]
            days = _weekend_days(now.astimezone(CITY_ZONE))
            activity = await _activity(
                organization,
                station,
                f"{station.name}{title}",
                category,
                positions,
                [(d, d + timedelta(hours=2, minutes=30)) for d in days],
                recurrence="FREQ=WEEKLY;BYDAY=SA,SU;UNTIL="
                + (days[-1].strftime("%Y%m%d") if days else ""),
            )
            added += await _sign_ups(activity, rota, slot_offset, now, full=index % 3 == 0)
            slot_offset += sum(q for _, q, _ in positions) + 2
        added += await _training(organizations[0], hosts[0], pool, now)
    return added


async def _activity(
    organization: Organization,
    station: Station,
    title: str,
    category: OrganizationCategory,
    positions: list[tuple[str, int, list[Skill]]],
    sessions: list[tuple[datetime, datetime]],
    **extra: Any,
) -> Activity:
    activity = await Activity.create(
        organization_id=organization.id,
        station_id=station.id,
        district_id=station.district_id,
        title=title[:128],
        category=category,
        description=f"{station.name}每周六、周日定期开展的{title}。",
        address=station.address,
        lat=station.lat,
        lng=station.lng,
        status=ActivityStatus.PUBLISHED,
        signup_method=SignUpMethod.INSTANT,
        signup_deadline_minutes=60,
        published_at=sessions[0][0] - timedelta(days=7),
        first_starts_at=sessions[0][0],
        last_ends_at=sessions[-1][1],
        **extra,
    )
    for name, quota, required in positions:
        await ActivityPosition.create(
            activity_id=activity.id,
            name=name,
            quota=quota,
            required_qualifications=pack_tags([s.value for s in required]),
        )
    places = sum(q for _, q, _ in positions)
    await ActivitySession.bulk_create(
        [
            ActivitySession(
                activity_id=activity.id,
                starts_at=start.astimezone(UTC),
                ends_at=end.astimezone(UTC),
                lat=station.lat,
                lng=station.lng,
                checkin_radius_m=200,
                openings=places,
            )
            for start, end in sessions
        ]
    )
    return activity


async def _sign_ups(
    activity: Activity, pool: list[int], offset: int, now: datetime, *, full: bool
) -> int:
    """Past sessions filled to 60-100%; upcoming ones partly, and a full one has a waiting
    list. Positions needing a qualification are left to the certified (the training's). Each
    weekend day the whole rota moves on by ROTA_STEP places, the activities keeping their
    offsets in it, so nobody serves two activities at once."""
    positions = await ActivityPosition.filter(activity_id=activity.id, required_qualifications="")
    places = sum(p.quota for p in await ActivityPosition.filter(activity_id=activity.id))
    rows: list[SignUp] = []
    sessions = await ActivitySession.filter(activity_id=activity.id).order_by("starts_at")
    for day, session in enumerate(sessions):
        rng = random.Random(f"activity:{activity.title}:{session.starts_at.isoformat()}")
        seat = offset + day * ROTA_STEP
        confirmed = 0
        for position in positions:
            share = 1.0 if full else rng.uniform(0.6, 1.0)
            if session.starts_at > now and not full:
                share = rng.uniform(0.2, 0.7)
            taken = max(1, round(position.quota * share))
            waiting = 2 if full and session.starts_at > now else 0
            for n in range(taken + waiting):
                rows.append(
                    SignUp(
                        session_id=session.id,
                        position_id=position.id,
                        activity_id=activity.id,
                        volunteer_id=pool[seat % len(pool)],
                        status=SignUpStatus.CONFIRMED if n < taken else SignUpStatus.WAITLISTED,
                        starts_at=session.starts_at,
                        ends_at=session.ends_at,
                    )
                )
                seat += 1
            confirmed += taken
        await ActivitySession.filter(id=session.id).update(openings=max(places - confirmed, 0))
    await SignUp.bulk_create(rows)
    return len(rows)


async def _training(
    organization: Organization, station: Station, pool: list[int], now: datetime
) -> int:
    """The training school's first-aid course: a past session whose trainees passed (and hold
    FIRST_AID for three years), and an upcoming one open for sign-ups."""
    past = datetime.combine((now - timedelta(days=10)).date(), time(19, 0), CITY_ZONE)
    upcoming = datetime.combine((now + timedelta(days=10)).date(), time(19, 0), CITY_ZONE)
    course = await _activity(
        organization,
        station,
        "红十字救护员培训(一校)",
        OrganizationCategory.EMERGENCY_RESCUE,
        [("学员", 30, [])],
        [(past, past + timedelta(hours=3)), (upcoming, upcoming + timedelta(hours=3))],
        kind=ActivityKind.TRAINING,
        grants_qualification=Skill.FIRST_AID,
        qualification_valid_days=3 * 365,
    )
    position = await ActivityPosition.get(activity_id=course.id)
    session = await ActivitySession.filter(activity_id=course.id).order_by("starts_at").first()
    assert session is not None
    # Trainees from the other end of the pool: weekday evenings, clear of the weekend rota.
    trainees = pool[-24:]
    marked = past.astimezone(UTC) + timedelta(hours=3)
    await SignUp.bulk_create(
        [
            SignUp(
                session_id=session.id,
                position_id=position.id,
                activity_id=course.id,
                volunteer_id=v,
                status=SignUpStatus.CONFIRMED,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                checked_in_at=session.starts_at - timedelta(minutes=5),
                checked_out_at=session.ends_at,
                completed_at=marked,
                passed=i % 8 != 0,
            )
            for i, v in enumerate(trainees)
        ]
    )
    await Qualification.bulk_create(
        [
            Qualification(
                volunteer_id=v,
                skill=Skill.FIRST_AID,
                granted_at=marked,
                expires_at=marked + timedelta(days=3 * 365),
                activity_id=course.id,
            )
            for i, v in enumerate(trainees)
            if i % 8 != 0
        ]
    )
    await ActivitySession.filter(id=session.id).update(openings=30 - len(trainees))
    return len(trainees)
