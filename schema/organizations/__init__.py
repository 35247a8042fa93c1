from schema.organizations.mutations import Mutation
from schema.organizations.queries import Query
from schema.organizations.types import MembershipType, OrganizationType

__all__ = ["MembershipType", "Mutation", "OrganizationType", "Query"]
