from schema.timebank.mutations import Mutation
from schema.timebank.queries import Query
from schema.timebank.types import TimeAccountType

__all__ = ["Mutation", "Query", "TimeAccountType"]
