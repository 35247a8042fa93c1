from schema.statistics.queries import Query
from schema.statistics.types import CityStatisticsType

__all__ = ["CityStatisticsType", "Query"]
