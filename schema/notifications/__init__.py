from schema.notifications.mutations import Mutation
from schema.notifications.queries import Query
from schema.notifications.subscriptions import Subscription
from schema.notifications.types import NotificationType

__all__ = ["Mutation", "NotificationType", "Query", "Subscription"]
