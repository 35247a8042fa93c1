from schema.civic.mutations import Mutation
from schema.civic.queries import Query
from schema.civic.subscriptions import Subscription

__all__ = ["Mutation", "Query", "Subscription"]
