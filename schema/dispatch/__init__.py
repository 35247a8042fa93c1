from strawberry.tools import merge_types

from schema.dispatch import center_mutations, mutations
from schema.dispatch.queries import Query
from schema.dispatch.subscriptions import Subscription

Mutation = merge_types("Mutation", (mutations.Mutation, center_mutations.Mutation))

__all__ = ["Mutation", "Query", "Subscription"]
