from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from strawberry import relay

from models.accounts import Role
from models.dispatch import ServiceCategory
from models.stations import Station, StationKind
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.stations.types import StationPayload, StationType
from schema.volunteers.mutations import GeoPointInput
from services import stations
from services.common.errors import Problem
from services.stations import updates as station_updates
from services.stations.errors import StationErrorCode


@strawberry.input(description="A new station, post, point or studio.")
class CreateStationInput:
    kind: StationKind = strawberry.field(description="What kind of station it is.")
    name: str = strawberry.field(description="Name, unique in the city (2-128).")
    address: str = strawberry.field(description="Street address (2-256).")
    location: GeoPointInput = strawberry.field(description="Map point, inside Huizhou.")
    district: relay.GlobalID = strawberry.field(description="District it stands in.")
    community: relay.GlobalID | None = strawberry.field(
        default=None, description="Community it serves, in that district."
    )
    organization: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Organisation that runs it; organisation admins must name their own.",
    )
    opening_hours: str = strawberry.field(default="", description="When it is staffed (≤256).")
    services: list[ServiceCategory] = strawberry.field(
        default_factory=list, description="Kinds of help offered there."
    )


@strawberry.input(description="What to change in a station; omitted fields stay.")
class UpdateStationInput:
    station: relay.GlobalID = strawberry.field(description="The station.")
    kind: StationKind | None = strawberry.field(default=None, description="Kind.")
    name: str | None = strawberry.field(default=None, description="Name (2-128), unique.")
    address: str | None = strawberry.field(default=None, description="Street address (2-256).")
    location: GeoPointInput | None = strawberry.field(
        default=None, description="Map point, inside Huizhou."
    )
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="District it stands in (its community is cleared unless given)."
    )
    community: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="Community it serves; null for none."
    )
    organization: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="Organisation that runs it; null for none."
    )
    opening_hours: str | None = strawberry.field(default=None, description="When staffed.")
    services: list[ServiceCategory] | None = strawberry.field(
        default=None, description="Kinds of help offered there (replaces the list)."
    )


async def _payload(call: Awaitable[Station]) -> StationPayload:
    return await payload(
        StationPayload, call, lambda row: StationPayload(station=StationType.from_model(row))
    )


def _decode(
    given: relay.GlobalID | None, type_name: str, code: StationErrorCode, field: str
) -> tuple[int | None, list[Problem]]:
    if given is None:
        return None, []
    found = decode_id(given, type_name)
    if found is None:
        return None, problem(code, f"No such {type_name.lower()}.", field)
    return found, []


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a station. City administrators: any; organisation admins: one "
        "their own organisation runs (not a dispatch centre).",
        extensions=[requires()],
    )
    async def create_station(self, info: Info, input: CreateStationInput) -> StationPayload:
        district_id, problems = _decode(
            input.district, "District", StationErrorCode.UNKNOWN_DISTRICT, "district"
        )
        community_id, more = _decode(
            input.community, "Community", StationErrorCode.UNKNOWN_COMMUNITY, "community"
        )
        problems += more
        organization_id, more = _decode(
            input.organization,
            "Organization",
            StationErrorCode.UNKNOWN_ORGANIZATION,
            "organization",
        )
        problems += more
        if problems or district_id is None:
            return StationPayload.failed(problems)
        data = stations.NewStation(
            kind=input.kind,
            name=input.name,
            address=input.address,
            lat=input.location.lat,
            lng=input.location.lng,
            district_id=district_id,
            community_id=community_id,
            organization_id=organization_id,
            opening_hours=input.opening_hours,
            services=[ServiceCategory(s) for s in input.services],
        )
        return await _payload(stations.create_station(info.context.principal, data))

    @strawberry.mutation(
        description="Change a station, recorded in the audit log with before → after. "
        "Refusals are coded STATION_NOT_FOUND, INVALID_NAME, DUPLICATE_NAME, INVALID_ADDRESS, "
        "INVALID_OPENING_HOURS, INVALID_LOCATION, UNKNOWN_DISTRICT, UNKNOWN_COMMUNITY or "
        "UNKNOWN_ORGANIZATION.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_station(self, info: Info, input: UpdateStationInput) -> StationPayload:
        station_id, problems = _decode(
            input.station, "Station", StationErrorCode.STATION_NOT_FOUND, "station"
        )
        district_id, more = _decode(
            input.district, "District", StationErrorCode.UNKNOWN_DISTRICT, "district"
        )
        problems += more
        community_id: int | None = None
        if input.community is None:
            community_id = station_updates.CLEAR
        elif input.community is not strawberry.UNSET:
            community_id, more = _decode(
                input.community, "Community", StationErrorCode.UNKNOWN_COMMUNITY, "community"
            )
            problems += more
        organization_id: int | None = None
        if input.organization is None:
            organization_id = station_updates.CLEAR
        elif input.organization is not strawberry.UNSET:
            organization_id, more = _decode(
                input.organization,
                "Organization",
                StationErrorCode.UNKNOWN_ORGANIZATION,
                "organization",
            )
            problems += more
        if problems or station_id is None:
            return StationPayload.failed(problems)
        change = station_updates.StationChange(
            kind=input.kind,
            name=input.name,
            address=input.address,
            lat=input.location.lat if input.location else None,
            lng=input.location.lng if input.location else None,
            district_id=district_id,
            community_id=community_id,
            organization_id=organization_id,
            opening_hours=input.opening_hours,
            services=[ServiceCategory(s) for s in input.services]
            if input.services is not None
            else None,
        )
        call = station_updates.update_station(info.context.principal, station_id, change)
        return await _payload(call)
