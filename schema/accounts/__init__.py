from strawberry.tools import merge_types

from schema.accounts import mutations, queries, users
from schema.accounts.types import UserType

Query = merge_types("Query", (queries.Query, users.Query))
Mutation = merge_types("Mutation", (mutations.Mutation, users.Mutation))

__all__ = ["Mutation", "Query", "UserType"]
