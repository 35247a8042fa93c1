"""Error codes of the certificates domain, as callers (the schema, the HTTP routes) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class CertificateErrorCode(str, Enum):
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    ORGANIZATION_NOT_FOUND = "ORGANIZATION_NOT_FOUND"
    NOT_A_VOLUNTEER = "NOT_A_VOLUNTEER"
    INVALID_PERIOD = "INVALID_PERIOD"
    NOTHING_RECORDED = "NOTHING_RECORDED"
    ALREADY_REQUESTED = "ALREADY_REQUESTED"
    NOT_REQUESTED = "NOT_REQUESTED"
    NOT_ISSUED = "NOT_ISSUED"
    INVALID_PERSON = "INVALID_PERSON"
    INVALID_CONTACT = "INVALID_CONTACT"
    INVALID_REASON = "INVALID_REASON"
    FONT_MISSING = "FONT_MISSING"
