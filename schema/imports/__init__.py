from schema.imports.mutations import Mutation
from schema.imports.queries import Query
from schema.imports.types import ImportJobType

__all__ = ["ImportJobType", "Mutation", "Query"]
