"""Error codes of the statistics domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class StatisticsErrorCode(str, Enum):
    UNKNOWN_DISTRICT = "UNKNOWN_DISTRICT"
