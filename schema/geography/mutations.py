"""Administering districts and communities (ADMIN): the schema side of
services/geography/divisions.py."""

from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from models.geography import Community, District
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.geography.types import (
    CommunityPayload,
    CommunityType,
    DistrictPayload,
    DistrictType,
    GeoPointInput,
)
from services.audit import Actor
from services.geography import divisions
from services.geography.errors import GeographyErrorCode

CHECKS = (
    "Refusals are coded INVALID_NAME, DUPLICATE_NAME, INVALID_POPULATION, INVALID_LOCATION (a "
    "centre outside the district's outline) or INVALID_DIVISION_CODE."
)


@strawberry.input(description="What to change in a district; omitted fields stay.")
class UpdateDistrictInput:
    district: relay.GlobalID = strawberry.field(description="The district.")
    name: str | None = strawberry.field(default=None, description="Chinese name.")
    name_en: str | None = strawberry.field(default=None, description="English name.")
    division_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 code (six digits); empty to clear."
    )
    population: int | None = strawberry.field(default=None, description="Resident population.")
    center: GeoPointInput | None = strawberry.field(
        default=None, description="Seat of the district government."
    )


@strawberry.input(description="A new community or street of a district.")
class CreateCommunityInput:
    district: relay.GlobalID = strawberry.field(description="The district it belongs to.")
    name: str = strawberry.field(description="Chinese name, unique in the district.")
    population: int = strawberry.field(description="Resident population.")
    center: GeoPointInput = strawberry.field(description="Centre point, inside the district.")
    division_code: str | None = strawberry.field(
        default=None, description="Statistical division code (9 or 12 digits)."
    )


@strawberry.input(description="What to change in a community; omitted fields stay.")
class UpdateCommunityInput:
    community: relay.GlobalID = strawberry.field(description="The community.")
    name: str | None = strawberry.field(default=None, description="Chinese name.")
    division_code: str | None = strawberry.field(
        default=None, description="Statistical division code (9 or 12 digits); empty to clear."
    )
    population: int | None = strawberry.field(default=None, description="Resident population.")
    center: GeoPointInput | None = strawberry.field(default=None, description="Centre point.")


def _point(given: GeoPointInput | None) -> divisions.Point | None:
    return divisions.Point(given.lat, given.lng) if given is not None else None


def _district(row: District) -> DistrictPayload:
    return DistrictPayload(district=DistrictType.from_model(row))


def _community(row: Community) -> CommunityPayload:
    return CommunityPayload(community=CommunityType.from_model(row))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change a district's names, code, population or seat, recorded in the "
        f"audit log. {CHECKS} DISTRICT_NOT_FOUND for the district.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_district(self, info: Info, input: UpdateDistrictInput) -> DistrictPayload:
        district_id = decode_id(input.district, "District")
        if district_id is None:
            return DistrictPayload.failed(
                problem(GeographyErrorCode.DISTRICT_NOT_FOUND, "No such district.", "district")
            )
        change = divisions.DivisionChange(
            name=input.name,
            name_en=input.name_en,
            division_code=input.division_code,
            population=input.population,
            center=_point(input.center),
        )

        async def update() -> District:
            actor = await Actor.admin(info.context.principal)
            return await divisions.update_district(actor, district_id, change)

        return await payload(DistrictPayload, update(), _district)

    @strawberry.mutation(
        description=f"Add a community or street to a district, recorded in the audit log. {CHECKS}"
        " DISTRICT_NOT_FOUND for the district.",
        extensions=[requires(Role.ADMIN)],
    )
    async def create_community(self, info: Info, input: CreateCommunityInput) -> CommunityPayload:
        district_id = decode_id(input.district, "District")
        if district_id is None:
            return CommunityPayload.failed(
                problem(GeographyErrorCode.DISTRICT_NOT_FOUND, "No such district.", "district")
            )
        change = divisions.DivisionChange(
            name=input.name,
            division_code=input.division_code,
            population=input.population,
            center=_point(input.center),
        )

        async def create() -> Community:
            actor = await Actor.admin(info.context.principal)
            return await divisions.create_community(actor, district_id, change)

        return await payload(CommunityPayload, create(), _community)

    @strawberry.mutation(
        description="Change a community's name, code, population or centre, recorded in the "
        f"audit log. {CHECKS} COMMUNITY_NOT_FOUND for the community.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_community(self, info: Info, input: UpdateCommunityInput) -> CommunityPayload:
        community_id = decode_id(input.community, "Community")
        if community_id is None:
            return CommunityPayload.failed(
                problem(GeographyErrorCode.COMMUNITY_NOT_FOUND, "No such community.", "community")
            )
        change = divisions.DivisionChange(
            name=input.name,
            division_code=input.division_code,
            population=input.population,
            center=_point(input.center),
        )

        async def update() -> Community:
            actor = await Actor.admin(info.context.principal)
            return await divisions.update_community(actor, community_id, change)

        return await payload(CommunityPayload, update(), _community)
