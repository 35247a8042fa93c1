from schema.certificates.mutations import Mutation
from schema.certificates.queries import Query
from schema.certificates.types import CertificateType

__all__ = ["CertificateType", "Mutation", "Query"]
