"""Turning service outcomes into payloads: domain problems become typed `errors`, access
problems become top-level GraphQL errors with `extensions.code`."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeVar

from graphql import GraphQLError

from services.common.errors import AccessError, DomainError, Problem
from services.common.principal import Principal

T = TypeVar("T")


def access_error(error: AccessError) -> GraphQLError:
    return GraphQLError(error.message, extensions={"code": error.code.value})


async def attempt(call: Awaitable[T]) -> tuple[T | None, list[Problem]]:
    """Runs a service call; on a domain error returns its problems instead of a result."""
    try:
        return await call, []
    except DomainError as error:
        return None, error.problems
    except AccessError as error:
        raise access_error(error) from error


def problem(code: Enum, message: str, field: str | None = None) -> list[Problem]:
    """A single problem found by the schema itself (e.g. an ID of the wrong type)."""
    return [Problem(code, message, field)]


def require_user(principal: Principal) -> int:
    """Authentication is checked before the input, so anonymous callers learn nothing more."""
    try:
        return principal.require_user()
    except AccessError as error:
        raise access_error(error) from error


def query_input_error(error: DomainError) -> GraphQLError:
    """Bad arguments of a query, which has no payload to carry them: a top-level error coded
    like a payload's (`extensions.code`, `extensions.field`), with every problem listed."""
    first = error.problems[0]
    return GraphQLError(
        first.message,
        extensions={
            "code": first.code.value,
            "field": first.field,
            "problems": [
                {"code": p.code.value, "field": p.field, "message": p.message}
                for p in error.problems
            ],
        },
    )
