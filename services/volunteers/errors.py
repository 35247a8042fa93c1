"""Error codes of the volunteers domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class VolunteerErrorCode(str, Enum):
    INVALID_NAME = "INVALID_NAME"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    DUPLICATE_ID_NUMBER = "DUPLICATE_ID_NUMBER"
    INVALID_PHONE = "INVALID_PHONE"
    UNKNOWN_DISTRICT = "UNKNOWN_DISTRICT"
    UNKNOWN_COMMUNITY = "UNKNOWN_COMMUNITY"
    INVALID_LOCATION = "INVALID_LOCATION"
    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"
    VOLUNTEER_NOT_FOUND = "VOLUNTEER_NOT_FOUND"
