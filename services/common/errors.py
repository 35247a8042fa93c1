"""Error codes of the common domain, as callers (the schema, Open311, the CLI) read them
in `DomainError.problems`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CommonCode(str, Enum):
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    NOT_PERMITTED = "NOT_PERMITTED"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"


@dataclass(frozen=True)
class Problem:
    code: Enum
    message: str
    field: str | None = None


class DomainError(Exception):
    """One or more problems with a request; raised before anything is written, or inside the
    transaction so that it rolls back."""

    def __init__(self, code: Enum, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = [Problem(code, message, field)]

    @classmethod
    def many(cls, problems: list[Problem]) -> DomainError:
        first = problems[0]
        error = cls(first.code, first.message, first.field)
        error.problems = list(problems)
        return error


class AccessError(Exception):
    """Authentication or authorisation failed. Unlike `DomainError` this is reported as a
    top-level GraphQL error (with `extensions.code`), never inside a payload."""

    code: CommonCode = CommonCode.NOT_PERMITTED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(AccessError):
    code = CommonCode.NOT_PERMITTED

    def __init__(self, message: str = "You are not permitted to do this.") -> None:
        super().__init__(message)


class NotAuthenticated(AccessError):
    code = CommonCode.NOT_AUTHENTICATED

    def __init__(self, message: str = "Sign in first.") -> None:
        super().__init__(message)


class Collector:
    """Gathers every validation problem of an input so the caller sees them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: Enum, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(code, message, field))

    def raise_if_any(self) -> None:
        if self.problems:
            raise DomainError.many(self.problems)
