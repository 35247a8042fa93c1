from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.dispatch import ServiceCategory
from models.stations import Station, StationKind
from models.volunteers import unpack_tags
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import load_nodes
from schema.geography.loaders import COMMUNITY, DISTRICT
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from schema.organizations.loaders import ORGANIZATION
from schema.organizations.types import OrganizationType
from services import stations
from services.stations.errors import StationErrorCode

strawberry.enum(
    StationKind,
    description="Kind of station: the seed's 站、岗、点、室, community stations, centres.",
)
strawberry.enum(StationErrorCode, description="Why a station request failed.")


@strawberry.type(name="Station", description="A volunteer station, post, point or studio.")
class StationType(relay.Node):
    id: relay.NodeID[int]
    kind: StationKind = strawberry.field(description="What kind of station it is.")
    name: str = strawberry.field(description="Name, unique in the city.")
    address: str = strawberry.field(description="Street address.")
    location: GeoPoint = strawberry.field(description="Map point of the entrance.")
    opening_hours: str = strawberry.field(description="When it is staffed, as free text.")
    services: list[ServiceCategory] = strawberry.field(description="Kinds of help offered there.")
    created_at: datetime = strawberry.field(description="When it was registered here.")
    row: strawberry.Private[Station]

    @classmethod
    def from_model(cls, row: Station) -> StationType:
        return cls(
            id=row.id,
            kind=row.kind,
            name=row.name,
            address=row.address,
            location=GeoPoint(lat=row.lat, lng=row.lng),
            opening_hours=row.opening_hours,
            services=[ServiceCategory(s) for s in unpack_tags(row.services)],
            created_at=row.created_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(Station, node_ids, cls.from_model)

    @strawberry.field(description="District it stands in.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.row.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Community it serves; null if it serves a whole district.")
    async def community(self, info: Info) -> CommunityType | None:
        if self.row.community_id is None:
            return None
        row = await COMMUNITY.load(info, self.row.community_id)
        return CommunityType.from_model(row) if row else None

    @strawberry.field(description="Organisation that runs it; null if the city runs it.")
    async def organization(self, info: Info) -> OrganizationType | None:
        if self.row.organization_id is None:
            return None
        row = await ORGANIZATION.load(info, self.row.organization_id)
        return OrganizationType.from_model(row) if row else None


@strawberry.type(description="A station within walking reach, with how far it is.")
class NearbyStation:
    station: StationType = strawberry.field(description="The station.")
    distance_meters: int = strawberry.field(
        description="Great-circle distance from the given point, in whole metres."
    )
    walking_minutes: float = strawberry.field(
        description="Minutes on foot at 80 m/min (4.8 km/h), to one decimal."
    )

    @classmethod
    def from_result(cls, found: stations.NearbyStation) -> NearbyStation:
        return cls(
            station=StationType.from_model(found.station),
            distance_meters=round(found.distance_meters),
            walking_minutes=round(found.walking_minutes, 1),
        )


@strawberry.type(description="A community whose centre is outside the walking circle.")
class UncoveredCommunity:
    community: CommunityType = strawberry.field(description="The community.")
    nearest_station_meters: int | None = strawberry.field(
        description="Distance from its centre to the nearest station, in metres; null when no "
        "station is within 5 km beyond the circle."
    )


@strawberry.type(
    description="How much of a district (or the city) lives within the walking circle of a "
    "station (10分钟志愿服务圈). Dispatch centres do not count: nobody walks into them for help."
)
class ServiceCircleCoverage:
    communities: int = strawberry.field(description="Communities counted.")
    communities_covered: int = strawberry.field(
        description="Communities whose centre is within the walk of at least one station."
    )
    community_share: float = strawberry.field(description="communitiesCovered ÷ communities.")
    population: int = strawberry.field(description="Residents of the communities counted.")
    population_covered: int = strawberry.field(description="Residents of covered communities.")
    population_share: float = strawberry.field(description="populationCovered ÷ population.")
    walking_minutes: int = strawberry.field(description="The walk that counts as covered.")
    walking_speed_meters_per_minute: float = strawberry.field(
        description="The assumed walking pace (80 m/min = 4.8 km/h, straight line)."
    )
    uncovered: list[UncoveredCommunity] = strawberry.field(
        description="Communities outside the circle, most populous first."
    )

    @classmethod
    def from_coverage(cls, coverage: stations.Coverage) -> ServiceCircleCoverage:
        return cls(
            communities=coverage.communities,
            communities_covered=coverage.communities_covered,
            community_share=coverage.community_share,
            population=coverage.population,
            population_covered=coverage.population_covered,
            population_share=coverage.population_share,
            walking_minutes=coverage.minutes,
            walking_speed_meters_per_minute=coverage.walking_speed_meters_per_minute,
            uncovered=[
                UncoveredCommunity(
                    community=CommunityType.from_model(u.community),
                    nearest_station_meters=None
                    if u.nearest_station_meters is None
                    else round(u.nearest_station_meters),
                )
                for u in coverage.uncovered
            ],
        )


@strawberry.type(description="A problem with a station request.")
class StationError(DomainErrorType[StationErrorCode]):
    pass


@payload_type(description="The station after the change, or why nothing changed.")
class StationPayload(Payload[StationError]):
    station: StationType | None = strawberry.field(default=None, description="Null on errors.")
