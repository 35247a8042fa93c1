"""Error codes of the imports domain, as callers (the schema, the CLI) read them in
`DomainError.problems`. A row's problems also carry the codes of the domain whose rule it broke
(INVALID_ID_NUMBER is the volunteers' code, in the report as in the API)."""

from __future__ import annotations

from enum import Enum


class ImportErrorCode(str, Enum):
    UNREADABLE_FILE = "UNREADABLE_FILE"
    EMPTY_FILE = "EMPTY_FILE"
    MISSING_COLUMNS = "MISSING_COLUMNS"
    INVALID_SOURCE = "INVALID_SOURCE"
    MISSING_VALUE = "MISSING_VALUE"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_DATE = "INVALID_DATE"
    INVALID_HOURS = "INVALID_HOURS"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
    DUPLICATE_RECORD = "DUPLICATE_RECORD"
