"""Error codes of the webhooks domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class WebhookErrorCode(str, Enum):
    WEBHOOK_NOT_FOUND = "WEBHOOK_NOT_FOUND"
    DELIVERY_NOT_FOUND = "DELIVERY_NOT_FOUND"
    INVALID_URL = "INVALID_URL"
    TARGET_NOT_PUBLIC = "TARGET_NOT_PUBLIC"
    NO_EVENT_TYPES = "NO_EVENT_TYPES"
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    EVENT_TYPE_NOT_PERMITTED = "EVENT_TYPE_NOT_PERMITTED"
    DESCRIPTION_TOO_LONG = "DESCRIPTION_TOO_LONG"
    TOO_MANY_WEBHOOKS = "TOO_MANY_WEBHOOKS"
