from schema.api_clients.mutations import Mutation
from schema.api_clients.queries import Query
from schema.api_clients.types import ApiClientType

__all__ = ["ApiClientType", "Mutation", "Query"]
