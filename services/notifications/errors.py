"""Error codes of the notifications domain, as callers (the schema, the CLI) read them in
`DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class NotificationErrorCode(str, Enum):
    NOTIFICATION_NOT_FOUND = "NOTIFICATION_NOT_FOUND"
    NOTHING_TO_MARK = "NOTHING_TO_MARK"
    TOO_MANY_IDS = "TOO_MANY_IDS"
    INBOX_ALWAYS_ON = "INBOX_ALWAYS_ON"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
