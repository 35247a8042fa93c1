"""The volunteer registry: registration, profile changes, star levels, and list filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.accounts import Role, User
from models.geography import Community, District
from models.organizations import MembershipStatus
from models.volunteers import Availability, Gender, Skill, Volunteer, VolunteerStatus, pack_tags
from services.accounts import add_role
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.identity import (
    ParsedIdNumber,
    id_number_hash,
    normalise_phone,
    parse_id_number,
)
from services.common.principal import Principal
from services.volunteers.errors import VolunteerErrorCode
from settings import get_settings

# Huizhou and its surroundings; a home location outside it is a typing error, not a volunteer.
CITY_BOUNDS = (22.3, 24.2, 113.7, 115.5)  # lat min, lat max, lng min, lng max


@dataclass
class Registration:
    real_name: str
    id_number: str
    phone: str
    district_id: int
    community_id: int | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    home_lat: float | None = None
    home_lng: float | None = None
    skills: list[Skill] = field(default_factory=list)
    availability: list[Availability] = field(default_factory=list)


@dataclass
class ProfileChanges:
    """Only the fields that are not `None` change."""

    phone: str | None = None
    district_id: int | None = None
    community_id: int | None = None
    home_lat: float | None = None
    home_lng: float | None = None
    skills: list[Skill] | None = None
    availability: list[Availability] | None = None
    status: VolunteerStatus | None = None


def star_level(hours: Decimal, thresholds: tuple[Decimal, ...] | None = None) -> int:
    """0 to 5 stars from confirmed hours (default 1★ 100 h ... 5★ 1500 h, STAR_THRESHOLDS)."""
    limits = thresholds or get_settings().star_thresholds
    return sum(1 for limit in limits if hours >= limit)


def hours_for_star_level(level: int) -> Decimal:
    limits = get_settings().star_thresholds
    return Decimal(0) if level <= 0 else limits[min(level, len(limits)) - 1]


async def _check_place(
    district_id: int | None, community_id: int | None, collector: Collector
) -> None:
    if district_id is not None and not await District.exists(id=district_id):
        collector.add(VolunteerErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
        return
    if community_id is not None:
        community = await Community.get_or_none(id=community_id)
        if community is None or (district_id is not None and community.district_id != district_id):
            collector.add(
                VolunteerErrorCode.UNKNOWN_COMMUNITY,
                "No such community in that district.",
                "community",
            )


def check_location(lat: float | None, lng: float | None, collector: Collector) -> None:
    if lat is None and lng is None:
        return
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    if lat is None or lng is None or not (lat_min <= lat <= lat_max and lng_min <= lng <= lng_max):
        collector.add(
            VolunteerErrorCode.INVALID_LOCATION,
            "Give both latitude and longitude, inside Huizhou.",
            "homeLocation",
        )


@dataclass(frozen=True)
class CheckedPerson:
    real_name: str
    id_number: ParsedIdNumber
    phone: str


def check_person(
    real_name: str, id_number: str, phone: str, birth_date: date | None, collector: Collector
) -> CheckedPerson | None:
    """The rules of registration for who someone is, without the database: the registration
    mutation and the bulk import apply the same ones, with the same codes."""
    name = real_name.strip()
    if not 2 <= len(name) <= 64:
        collector.add(VolunteerErrorCode.INVALID_NAME, "Give the real name (2-64).", "realName")
    parsed = parse_id_number(id_number)
    if parsed is None:
        collector.add(
            VolunteerErrorCode.INVALID_ID_NUMBER,
            "Not a valid 18-character resident ID number.",
            "idNumber",
        )
    elif birth_date is not None and birth_date != parsed.birth_date:
        collector.add(
            VolunteerErrorCode.BIRTH_DATE_MISMATCH,
            "The birth date differs from the one in the ID number.",
            "birthDate",
        )
    normalised_phone = normalise_phone(phone)
    if normalised_phone is None:
        collector.add(VolunteerErrorCode.INVALID_PHONE, "Not a valid phone number.", "phone")
    if parsed is None or normalised_phone is None or not 2 <= len(name) <= 64:
        return None
    return CheckedPerson(name, parsed, normalised_phone)


async def register(principal: Principal, data: Registration) -> Volunteer:
    """A signed-in person registers themself; an ADMIN or DISPATCHER may register someone
    without an account (e.g. at a street desk)."""
    user_id = principal.require_user()
    principal.refuse_wall_screen()
    for_self = not principal.has_role(Role.ADMIN, Role.DISPATCHER)
    collector = Collector()
    person = check_person(data.real_name, data.id_number, data.phone, data.birth_date, collector)
    await _check_place(data.district_id, data.community_id, collector)
    check_location(data.home_lat, data.home_lng, collector)
    if for_self and await Volunteer.exists(user_id=user_id):
        collector.add(VolunteerErrorCode.ALREADY_REGISTERED, "You are already registered.")
    collector.raise_if_any()
    assert person is not None
    parsed = person.id_number
    try:
        async with in_transaction():
            volunteer = await Volunteer.create(
                user_id=user_id if for_self else None,
                real_name=person.real_name,
                phone=person.phone,
                id_number=parsed.normalised,
                id_number_hash=id_number_hash(parsed.normalised),
                gender=data.gender or parsed.gender,
                birth_date=parsed.birth_date,
                district_id=data.district_id,
                community_id=data.community_id,
                home_lat=data.home_lat,
                home_lng=data.home_lng,
                skills=pack_tags([s.value for s in data.skills]),
                availability=pack_tags([a.value for a in data.availability]),
                registered_at=datetime.now(UTC),
            )
            if for_self:
                user = await User.get(id=user_id)
                await add_role(user, Role.VOLUNTEER)
    except IntegrityError as exc:
        raise DomainError(
            VolunteerErrorCode.DUPLICATE_ID_NUMBER,
            "A volunteer with this ID number is already registered.",
            "idNumber",
        ) from exc
    return volunteer


async def update_profile(
    principal: Principal, volunteer_id: int, changes: ProfileChanges
) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(id=volunteer_id)
    if volunteer is None:
        raise DomainError(VolunteerErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "volunteer")
    if volunteer.user_id != user_id and not principal.is_admin:
        raise NotPermitted("Only the volunteer or an administrator can change this profile.")
    if changes.status is not None and not principal.is_admin:
        raise NotPermitted("Only an administrator can change a volunteer's status.")
    collector = Collector()
    phone = None
    if changes.phone is not None:
        phone = normalise_phone(changes.phone)
        if phone is None:
            collector.add(VolunteerErrorCode.INVALID_PHONE, "Not a valid phone number.", "phone")
    district_id = changes.district_id or volunteer.district_id
    # Moving to another district without naming a community drops the old community.
    community_id = changes.community_id
    await _check_place(district_id, community_id, collector)
    if changes.home_lat is not None or changes.home_lng is not None:
        check_location(changes.home_lat, changes.home_lng, collector)
    collector.raise_if_any()

    updates: dict[str, object] = {}
    if phone is not None:
        updates["phone"] = phone
    if changes.district_id is not None:
        updates["district_id"] = changes.district_id
        updates["community_id"] = community_id
    elif changes.community_id is not None:
        updates["community_id"] = changes.community_id
    if changes.home_lat is not None:
        updates["home_lat"] = changes.home_lat
        updates["home_lng"] = changes.home_lng
    if changes.skills is not None:
        updates["skills"] = pack_tags([s.value for s in changes.skills])
    if changes.availability is not None:
        updates["availability"] = pack_tags([a.value for a in changes.availability])
    if changes.status is not None:
        updates["status"] = changes.status
    if updates:
        async with in_transaction():
            # A queryset update does not stamp auto_now fields; exports sync by this one.
            await Volunteer.filter(id=volunteer.id).update(**updates, updated_at=datetime.now(UTC))
        await volunteer.refresh_from_db()
    return volunteer


@dataclass
class VolunteerFilter:
    district_id: int | None = None
    community_id: int | None = None
    skill: Skill | None = None
    star_level_at_least: int | None = None
    organization_id: int | None = None
    search: str | None = None
    status: VolunteerStatus | None = None


def filtered(criteria: VolunteerFilter) -> QuerySet[Volunteer]:
    query = Volunteer.all()
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    if criteria.community_id is not None:
        query = query.filter(community_id=criteria.community_id)
    if criteria.skill is not None:
        query = query.filter(skills__contains=f"|{criteria.skill.value}|")
    if criteria.star_level_at_least:
        query = query.filter(total_hours__gte=hours_for_star_level(criteria.star_level_at_least))
    if criteria.organization_id is not None:
        query = query.filter(
            memberships__organization_id=criteria.organization_id,
            memberships__status=MembershipStatus.APPROVED,
        )
    if criteria.status is not None:
        query = query.filter(status=criteria.status)
    if criteria.search:
        term = criteria.search.strip()
        query = query.filter(real_name__icontains=term)
    return query
