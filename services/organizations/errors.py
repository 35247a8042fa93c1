"""Error codes of the organizations domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class OrganizationErrorCode(str, Enum):
    INVALID_NAME = "INVALID_NAME"
    DUPLICATE_NAME = "DUPLICATE_NAME"
    UNKNOWN_DISTRICT = "UNKNOWN_DISTRICT"
    INVALID_PHONE = "INVALID_PHONE"
    ORGANIZATION_NOT_FOUND = "ORGANIZATION_NOT_FOUND"
    NOT_A_VOLUNTEER = "NOT_A_VOLUNTEER"
    VOLUNTEER_NOT_ACTIVE = "VOLUNTEER_NOT_ACTIVE"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    ALREADY_APPLIED = "ALREADY_APPLIED"
    MEMBERSHIP_NOT_FOUND = "MEMBERSHIP_NOT_FOUND"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
