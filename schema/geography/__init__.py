from schema.geography.mutations import Mutation
from schema.geography.queries import Query
from schema.geography.types import CommunityType, DistrictType, GeoPoint

__all__ = ["CommunityType", "DistrictType", "GeoPoint", "Mutation", "Query"]
