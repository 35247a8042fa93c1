"""Mutation payloads and their errors, and turning service outcomes into them: domain problems
become typed `errors` (each domain's error type implements `Problem` and carries its domain's code
enum), access problems become top-level GraphQL errors with `extensions.code`.

A domain declares its error type and payloads from its code enum::

    strawberry.enum(DispatchErrorCode, description="Why dispatch refused.")

    @strawberry.type(name="DispatchError", description="A problem with a dispatch request.")
    class DispatchError(DomainErrorType[DispatchErrorCode]):
        pass

    @payload_type(description="The order after the change, or why nothing changed.")
    class OrderPayload(Payload[DispatchError]):
        order: OrderType | None = strawberry.field(default=None, description="...")

and a mutation returns `await payload(OrderPayload, call, present)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Any, ClassVar, Generic, Self, TypeVar, cast, dataclass_transform

import strawberry
from graphql import GraphQLError
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from services.common.errors import AccessError, DomainError, Problem
from services.common.principal import Principal

C = TypeVar("C", bound=Enum)
E = TypeVar("E", bound="DomainErrorType[Any]")
P = TypeVar("P", bound="Payload[Any]")
T = TypeVar("T")


@strawberry.interface(
    name="Problem",
    description="Why a mutation changed nothing: which input field is at fault, if one is, and "
    "a human-readable explanation. Every domain's error type implements it and adds `code`, "
    "its domain's machine-readable reason.",
)
class ProblemType:
    message: str = strawberry.field(description="Human-readable explanation.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


@strawberry.type
class _Coded(Generic[C]):
    code: C = strawberry.field(description="Machine-readable reason.")


@strawberry.type
class DomainErrorType(_Coded[C], ProblemType):
    """A domain's error type is this with its code enum: `code`, `message`, `field`, in the
    order the published schema has always had them."""

    @classmethod
    def listed(cls, problems: Sequence[Problem]) -> list[Self]:
        return [cls(code=cast(C, p.code), message=p.message, field=p.field) for p in problems]


@strawberry.type
class Payload(Generic[E]):
    """A mutation's payload: the fields a subclass declares (each with a default, null or 0, for
    a refused request) and `errors`, its domain's error type."""

    errors: list[E] = strawberry.field(default_factory=list, description="Empty on success.")
    error_type: ClassVar[type[DomainErrorType[Any]]]

    @classmethod
    def failed(cls, problems: Sequence[Problem]) -> Self:
        return cls(errors=cast(list[E], cls.error_type.listed(problems)))


@dataclass_transform(kw_only_default=True, field_specifiers=(strawberry.field, StrawberryField))
def payload_type(*, description: str) -> Callable[[type[P]], type[P]]:
    """`strawberry.type` for a `Payload` subclass. `errors` moves after the subclass's own fields,
    where clients have always found it in the schema."""

    def make(cls: type[P]) -> type[P]:
        made = strawberry.type(cls, description=description)
        definition = get_object_definition(made, strict=True)
        definition.fields.sort(key=lambda field: field.python_name == "errors")
        (made.error_type,) = (definition.specialized_type_var_map or {}).values()
        return made

    return make


async def payload(cls: type[P], call: Awaitable[T], present: Callable[[T], P]) -> P:
    """The one way from a service call to a payload: its result presented, or its domain
    problems as the payload's `errors`."""
    try:
        result = await call
    except DomainError as error:
        return cls.failed(error.problems)
    except AccessError as error:
        raise access_error(error) from error
    return present(result)


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
