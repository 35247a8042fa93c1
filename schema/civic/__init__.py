from strawberry.tools import merge_types

from schema.civic import category_mutations, mutations
from schema.civic.queries import Query
from schema.civic.subscriptions import Subscription

Mutation = merge_types("Mutation", (mutations.Mutation, category_mutations.Mutation))

__all__ = ["Mutation", "Query", "Subscription"]
