from schema.volunteers.mutations import Mutation
from schema.volunteers.queries import Query
from schema.volunteers.types import VolunteerType

__all__ = ["Mutation", "Query", "VolunteerType"]
