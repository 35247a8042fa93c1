"""Error codes of the api_clients domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class ApiClientErrorCode(str, Enum):
    CLIENT_NOT_FOUND = "CLIENT_NOT_FOUND"
    CLIENT_REVOKED = "CLIENT_REVOKED"
    INVALID_NAME = "INVALID_NAME"
    UNKNOWN_SCOPE = "UNKNOWN_SCOPE"
    NO_SCOPES = "NO_SCOPES"
    INVALID_GRACE_PERIOD = "INVALID_GRACE_PERIOD"


class RateLimitErrorCode(str, Enum):
    CLIENT_NOT_FOUND = "CLIENT_NOT_FOUND"
    INVALID_BUDGET = "INVALID_BUDGET"
