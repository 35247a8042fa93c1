from __future__ import annotations

import strawberry
from strawberry import relay

from models.stations import StationKind
from schema.core.errors import query_input_error
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    optional_id_of,
    page_size,
    paginate,
)
from schema.stations.types import NearbyStation, ServiceCircleCoverage, StationType
from services import stations
from services.common.errors import DomainError
from services.stations import CIRCLE_MINUTES


@strawberry.input(description="Narrows the station list; every given field must match.")
class StationFilter:
    kind: StationKind | None = strawberry.field(default=None, description="Kind.")
    district: relay.GlobalID | None = strawberry.field(default=None, description="District ID.")


@strawberry.type
class Query:
    @strawberry.field(description="Stations, posts, points and studios, filtered, by ID. Public.")
    async def stations(
        self,
        filter: StationFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[StationType]:
        criteria = stations.StationFilter()
        if filter is not None:
            criteria = stations.StationFilter(
                kind=filter.kind,
                district_id=optional_id_of(filter.district, "District", "StationFilter.district"),
            )
        return await paginate(stations.filtered(criteria), first, after, StationType.from_model)

    @strawberry.field(
        description="Stations within a walk of a point, nearest first: great-circle distance at "
        "80 m/min (4.8 km/h). Bad arguments are top-level errors coded INVALID_LOCATION, "
        "INVALID_WALKING_TIME or INVALID_FIRST. Public."
    )
    async def nearby_stations(
        self,
        lat: float,
        lng: float,
        within_minutes: int = CIRCLE_MINUTES,
        kind: StationKind | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
    ) -> list[NearbyStation]:
        try:
            found = await stations.nearby_stations(lat, lng, within_minutes, kind, page_size(first))
        except DomainError as error:
            raise query_input_error(error) from error
        return [NearbyStation.from_result(n) for n in found]

    @strawberry.field(
        description="Share of communities and residents within a 10-minute walk of a station, "
        "for one district or (without `district`) the whole city, and the communities outside. "
        "Public."
    )
    async def service_circle_coverage(
        self, district: relay.GlobalID | None = None
    ) -> ServiceCircleCoverage:
        district_id = optional_id_of(district, "District", "Query.serviceCircleCoverage(district:)")
        try:
            coverage = await stations.service_circle_coverage(district_id)
        except DomainError as error:
            raise query_input_error(error) from error
        return ServiceCircleCoverage.from_coverage(coverage)
