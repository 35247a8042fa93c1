from schema.dispatch.mutations import Mutation
from schema.dispatch.queries import Query
from schema.dispatch.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
