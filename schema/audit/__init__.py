from schema.audit.queries import AuditLogFilter, Query
from schema.audit.types import AuditEntryType

__all__ = ["AuditEntryType", "AuditLogFilter", "Query"]
