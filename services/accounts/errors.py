"""Error codes of the accounts domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class AccountErrorCode(str, Enum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_USERNAME = "INVALID_USERNAME"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - an error code, not a password
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - an error code
    INVALID_ROLE = "INVALID_ROLE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"  # noqa: S105 - an error code
    USER_NOT_FOUND = "USER_NOT_FOUND"
    INVALID_DISPLAY_NAME = "INVALID_DISPLAY_NAME"
    INVALID_SEARCH = "INVALID_SEARCH"
    # A wall screen's account has WALL_DISPLAY and nothing else, for ever.
    WALL_ACCOUNT = "WALL_ACCOUNT"
    # Would leave the city without an active administrator.
    LAST_ADMIN = "LAST_ADMIN"
    # An administrator disabling their own account or revoking their own ADMIN role.
    OWN_ACCOUNT = "OWN_ACCOUNT"
    LAST_ROLE = "LAST_ROLE"
