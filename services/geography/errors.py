"""Error codes of the geography domain (the city's reference data), as callers (the CLI, tests)
read them in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class GeographyErrorCode(str, Enum):
    # The reference data file cannot be read, or is not YAML/JSON.
    UNREADABLE_FILE = "UNREADABLE_FILE"
    # A field of the file is missing, unknown or has a wrong value; the problem's field names
    # the line and the path, e.g. `line 12: districts[0].population`.
    INVALID_REFERENCE_DATA = "INVALID_REFERENCE_DATA"
    # Administration of districts and communities.
    DISTRICT_NOT_FOUND = "DISTRICT_NOT_FOUND"
    COMMUNITY_NOT_FOUND = "COMMUNITY_NOT_FOUND"
    INVALID_NAME = "INVALID_NAME"
    DUPLICATE_NAME = "DUPLICATE_NAME"
    INVALID_POPULATION = "INVALID_POPULATION"
    INVALID_LOCATION = "INVALID_LOCATION"
    INVALID_DIVISION_CODE = "INVALID_DIVISION_CODE"
