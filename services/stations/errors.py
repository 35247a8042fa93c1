"""Error codes of the stations domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class StationErrorCode(str, Enum):
    INVALID_LOCATION = "INVALID_LOCATION"
    INVALID_WALKING_TIME = "INVALID_WALKING_TIME"
    INVALID_FIRST = "INVALID_FIRST"
    INVALID_NAME = "INVALID_NAME"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    INVALID_OPENING_HOURS = "INVALID_OPENING_HOURS"
    DUPLICATE_NAME = "DUPLICATE_NAME"
    UNKNOWN_DISTRICT = "UNKNOWN_DISTRICT"
    UNKNOWN_COMMUNITY = "UNKNOWN_COMMUNITY"
    UNKNOWN_ORGANIZATION = "UNKNOWN_ORGANIZATION"
