from schema.stations.mutations import Mutation
from schema.stations.queries import Query
from schema.stations.types import StationType

__all__ = ["Mutation", "Query", "StationType"]
