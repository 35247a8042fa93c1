from schema.accounts.mutations import Mutation
from schema.accounts.queries import Query
from schema.accounts.types import UserType

__all__ = ["Mutation", "Query", "UserType"]
