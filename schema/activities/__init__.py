import strawberry

from schema.activities.attendance import AttendanceMutation, AttendanceQuery
from schema.activities.mutations import Mutation as ActivityMutation
from schema.activities.queries import Query as ActivityQuery
from schema.activities.subscriptions import Subscription


@strawberry.type
class Query(ActivityQuery, AttendanceQuery):
    pass


@strawberry.type
class Mutation(ActivityMutation, AttendanceMutation):
    pass


__all__ = ["Mutation", "Query", "Subscription"]
