from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema.core.errors import query_input_error
from schema.core.relay import optional_id_of
from schema.statistics.types import CityStatisticsType
from services import statistics
from services.common.errors import DomainError


@strawberry.type
class Query:
    @strawberry.field(
        description="The city's headline figures (volunteers, growth, participation, hours, "
        "satisfaction, orders, organisations, stations) for one district or, without "
        "`district`, the whole city, as of `asOf` (default now; a future moment is clamped to "
        "now; a moment without an offset is Huizhou time). Rates cover the 12 months up to "
        "`asOf`. An unknown district is a top-level error coded UNKNOWN_DISTRICT. Public: the "
        "city publishes these figures, and they are aggregates that name nobody."
    )
    async def city_statistics(
        self, district: relay.GlobalID | None = None, as_of: datetime | None = None
    ) -> CityStatisticsType:
        district_id = optional_id_of(district, "District", "Query.cityStatistics(district:)")
        try:
            figures = await statistics.city_statistics(district_id, as_of)
        except DomainError as error:
            raise query_input_error(error) from error
        return CityStatisticsType.from_statistics(figures)
