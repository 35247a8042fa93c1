"""Administering districts and communities: names, population, centre point and division
codes, each change checked as a whole and recorded in the audit log.

A centre point must lie inside the district's outline where the city supplied one (the same
outline that places orders), so that a typo in a coordinate cannot move a community into the
sea or into the next county. Districts are created by the reference data only: their codes are
what every other file names them by."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.geography import Community, District
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError
from services.geography.boundaries import outline_holds
from services.geography.errors import GeographyErrorCode as Code

MAX_NAME = 64
# Huizhou's largest district holds about 1.6 million people; a province-sized figure is a typo.
MAX_DISTRICT_POPULATION = 20_000_000
MAX_COMMUNITY_POPULATION = 2_000_000
DISTRICT_FIELDS = ("name", "name_en", "division_code", "population", "center_lat", "center_lng")
COMMUNITY_FIELDS = (
    "district_id",
    "name",
    "division_code",
    "population",
    "center_lat",
    "center_lng",
)
# GB/T 2260 county codes have 6 digits; statistical division codes of streets and communities
# 9 or 12.
_DISTRICT_CODE = re.compile(r"[0-9]{6}")
_COMMUNITY_CODE = re.compile(r"[0-9]{9}|[0-9]{12}")


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class DivisionChange:
    """What to set; None leaves a field as it is. An empty `division_code` clears it."""

    name: str | None = None
    name_en: str | None = None
    division_code: str | None = None
    population: int | None = None
    center: Point | None = None


def _check_name(value: str | None, field: str, problems: Collector) -> None:
    if value is not None and not 1 <= len(value.strip()) <= MAX_NAME:
        problems.add(Code.INVALID_NAME, f"A name of 1 to {MAX_NAME} characters.", field)


def _check_common(
    change: DivisionChange,
    district: District,
    limit: int,
    code_pattern: re.Pattern[str],
    problems: Collector,
) -> None:
    _check_name(change.name, "name", problems)
    if change.population is not None and not 0 <= change.population <= limit:
        problems.add(Code.INVALID_POPULATION, f"A population from 0 to {limit:,}.", "population")
    code = change.division_code
    if code and code_pattern.fullmatch(code.strip()) is None:
        problems.add(
            Code.INVALID_DIVISION_CODE,
            "A division code of digits: 6 for a district (GB/T 2260), 9 or 12 for a street or "
            "community.",
            "divisionCode",
        )
    point = change.center
    if point is None:
        return
    if not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
        problems.add(Code.INVALID_LOCATION, "A latitude and longitude (WGS-84).", "center")
    elif not outline_holds(district, point.lat, point.lng):
        problems.add(
            Code.INVALID_LOCATION, f"The point lies outside {district.name}'s outline.", "center"
        )


def _apply(row: District | Community, change: DivisionChange) -> None:
    if change.name is not None:
        row.name = change.name.strip()
    if change.division_code is not None:
        row.division_code = change.division_code.strip() or None
    if change.population is not None:
        row.population = change.population
    if change.center is not None:
        row.center_lat, row.center_lng = change.center.lat, change.center.lng


async def update_district(actor: Actor, district_id: int, change: DivisionChange) -> District:
    async with in_transaction():
        district = await District.filter(id=district_id).select_for_update().first()
        if district is None:
            raise DomainError(Code.DISTRICT_NOT_FOUND, "No such district.", "district")
        problems = Collector()
        _check_common(change, district, MAX_DISTRICT_POPULATION, _DISTRICT_CODE, problems)
        _check_name(change.name_en, "nameEn", problems)
        if change.name is not None and (
            await District.filter(name=change.name.strip()).exclude(id=district.id).exists()
        ):
            problems.add(Code.DUPLICATE_NAME, "Another district has this name.", "name")
        problems.raise_if_any()
        before = snapshot(district, DISTRICT_FIELDS)
        _apply(district, change)
        if change.name_en is not None:
            district.name_en = change.name_en.strip()
        await district.save(update_fields=list(DISTRICT_FIELDS))
        after = snapshot(district, DISTRICT_FIELDS)
        if after != before:
            await actor.record("updateDistrict", "District", district.id, before, after)
    return district


async def _check_community_name(
    name: str | None, district_id: int, community_id: int, problems: Collector
) -> None:
    if name is None or not name.strip():
        return
    taken = Community.filter(district_id=district_id, name=name.strip()).exclude(id=community_id)
    if await taken.exists():
        problems.add(Code.DUPLICATE_NAME, "The district has a community of this name.", "name")


async def create_community(actor: Actor, district_id: int, change: DivisionChange) -> Community:
    """A new community (or street) of a district; name, population and centre are required."""
    async with in_transaction():
        district = await District.get_or_none(id=district_id)
        if district is None:
            raise DomainError(Code.DISTRICT_NOT_FOUND, "No such district.", "district")
        problems = Collector()
        if change.name is None:
            problems.add(Code.INVALID_NAME, "Give the community a name.", "name")
        if change.population is None:
            problems.add(Code.INVALID_POPULATION, "Give its population.", "population")
        if change.center is None:
            problems.add(Code.INVALID_LOCATION, "Give its centre point.", "center")
        _check_common(change, district, MAX_COMMUNITY_POPULATION, _COMMUNITY_CODE, problems)
        await _check_community_name(change.name, district.id, 0, problems)
        problems.raise_if_any()
        assert change.name is not None and change.center is not None
        community = Community(district_id=district.id, population=change.population)
        _apply(community, change)
        await community.save()
        after = snapshot(community, COMMUNITY_FIELDS)
        await actor.record("createCommunity", "Community", community.id, None, after)
    return community


async def update_community(actor: Actor, community_id: int, change: DivisionChange) -> Community:
    async with in_transaction():
        community = await Community.filter(id=community_id).select_for_update().first()
        if community is None:
            raise DomainError(Code.COMMUNITY_NOT_FOUND, "No such community.", "community")
        district = await District.get(id=community.district_id)
        problems = Collector()
        _check_common(change, district, MAX_COMMUNITY_POPULATION, _COMMUNITY_CODE, problems)
        await _check_community_name(change.name, district.id, community.id, problems)
        problems.raise_if_any()
        before = snapshot(community, COMMUNITY_FIELDS)
        _apply(community, change)
        await community.save(update_fields=list(COMMUNITY_FIELDS[1:]))
        after = snapshot(community, COMMUNITY_FIELDS)
        if after != before:
            await actor.record("updateCommunity", "Community", community.id, before, after)
    return community
