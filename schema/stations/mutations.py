from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from strawberry import relay

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
