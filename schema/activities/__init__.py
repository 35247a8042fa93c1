from schema.activities.mutations import Mutation
from schema.activities.queries import Query
from schema.activities.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
