"""Error codes of the wall domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from enum import Enum


class WallErrorCode(str, Enum):
    CENTER_NOT_FOUND = "CENTER_NOT_FOUND"
    INVALID_DAYS = "INVALID_DAYS"
    WALL_USER_CONFLICT = "WALL_USER_CONFLICT"
