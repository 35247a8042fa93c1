"""Error codes of the audit domain, as callers (the schema, the export, the CLI) read them in
`DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class AuditErrorCode(str, Enum):
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_OBJECT_TYPE = "INVALID_OBJECT_TYPE"
    INVALID_OBJECT_ID = "INVALID_OBJECT_ID"
    INVALID_ACTOR = "INVALID_ACTOR"
