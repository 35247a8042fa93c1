"""One check of an operation's inputs before anything runs: every string in the variables and in
the document's literal arguments is free of NUL and lone surrogates (PostgreSQL refuses the
first, and on SQLite a NUL search matches every row; neither encodes as UTF-8) and no longer than
its maximum: `MAX_STRING_LENGTH` for any string, tighter where `FIELD_MAXIMA` names the argument
or input field. A refusal is a top-level error coded INVALID_CHARACTER or INPUT_TOO_LONG with the
field; it never quotes the value, which may be megabytes long. Every `ID` is checked to be a
global ID here too (INVALID_ID, schema.core.relay).

The walk is linear: the variables are walked once, the document once, and a variable used in
several places is checked once per place kind (memoised)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from schema.core.relay import check_global_id

# The longest text any field takes (descriptions stop at 2,000 characters) with room to spare.
MAX_STRING_LENGTH = 10_000
# A global ID is base64 of "Type:number"; a cursor is shorter still.
MAX_ID_LENGTH = 256
# Where a field's own rule is far tighter, the input is refused before a service sees it: a
# password is hashed (argon2 over megabytes takes seconds), a search scans a table.
FIELD_MAXIMA: dict[str, int] = {
    "SignUpInput.username": 64,
    "SignUpInput.password": 1024,
    "SignUpInput.displayName": 64,
    "LoginInput.username": 64,
    "LoginInput.password": 1024,
    "RefreshTokenInput.refreshToken": 2048,
    "RegisterFamilyMemberInput.memberUsername": 64,
    "RegisterFamilyMemberInput.name": 64,
    "RegisterVolunteerInput.realName": 64,
    "RegisterVolunteerInput.idNumber": 32,
    "RegisterVolunteerInput.phone": 32,
    "UpdateVolunteerProfileInput.phone": 32,
    "OrganizationFilter.search": 128,
    "VolunteerFilter.search": 128,
    "Query.civicIssue(token:)": 64,
    "Query.verifyServiceCard(cardNumber:)": 64,
    "VerifyRedemptionInput.code": 64,
    "DonateTimeInput.idempotencyKey": 100,
    "SpendTimeInput.idempotencyKey": 100,
    "TransferTimeInput.idempotencyKey": 100,
    "RedeemBenefitInput.idempotencyKey": 100,
}
_SCALAR_MAXIMA = {"ID": MAX_ID_LENGTH}
# The scalars of schema.core.scalars, whose literals are parsed here (see `_parse`).
_STRICT_SCALARS = frozenset({"Date", "DateTime", "Decimal"})
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _too_long(field: str, maximum: int) -> GraphQLError:
    return GraphQLError(
        f"`{field}` is longer than {maximum} characters.",
        extensions={"code": "INPUT_TOO_LONG", "field": field, "maximum": maximum},
    )


def _bad_character(field: str) -> GraphQLError:
    return GraphQLError(
        f"`{field}` contains a NUL character or a lone surrogate, which no text may hold.",
        extensions={"code": "INVALID_CHARACTER", "field": field},
    )


def _check_text(text: str, field: str, maximum: int) -> None:
    if len(text) > maximum:
        raise _too_long(field, maximum)
    if _BAD_CHARACTER.search(text):
        raise _bad_character(field)


def check_variables(variables: dict[str, Any] | None) -> None:
    """Every string (and key) anywhere in the variables, against the global maximum."""
    if not isinstance(variables, dict):
        return  # not an object: strawberry refuses the request itself
    stack: list[tuple[object, str]] = [(v, f"${k}") for k, v in variables.items()]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _check_text(value, path, MAX_STRING_LENGTH)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    _check_text(key, path, MAX_STRING_LENGTH)
                stack.append((item, f"{path}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]") for n, item in enumerate(value))


def _is_id(type_: GraphQLInputType) -> bool:
    return isinstance(type_, GraphQLScalarType) and type_.name == "ID"


def _leaf_maximum(type_: GraphQLInputType, coordinate: str) -> int:
    if coordinate in FIELD_MAXIMA:
        return FIELD_MAXIMA[coordinate]
    if isinstance(type_, GraphQLScalarType):
        return _SCALAR_MAXIMA.get(type_.name, MAX_STRING_LENGTH)
    return MAX_STRING_LENGTH


def _parse(parse: Callable[[Any], Any], value: object, coordinate: str) -> None:
    """The scalar's own check, here so that its refusal names the argument or input field
    (validation and variable coercion would report it without)."""
    try:
        parse(value)
    except GraphQLError as error:
        raise GraphQLError(
            f"`{coordinate}`: {error.message}",
            extensions={**(error.extensions or {}), "field": coordinate},
        ) from None


class _Walk:
    """The typed part: literal values, and variables where they are used, against the maximum
    of the argument or input field they are given to."""

    def __init__(self, variables: dict[str, Any] | None) -> None:
        self.variables = variables if isinstance(variables, dict) else {}
        self.seen: set[tuple[str, int, str]] = set()

    def literal(self, node: ValueNode, type_: GraphQLInputType, coordinate: str) -> None:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(node, VariableNode):
            name = node.name.value
            key = (name, id(type_), coordinate)
            if key not in self.seen and name in self.variables:
                self.seen.add(key)
                self.value(self.variables[name], type_, coordinate)
        elif isinstance(type_, GraphQLList):
            items = node.values if isinstance(node, ListValueNode) else (node,)
            for item in items:
                self.literal(item, type_.of_type, coordinate)
        elif isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
            for field in node.fields:
                definition = type_.fields.get(field.name.value)
                if definition is not None:
                    self.literal(field.value, definition.type, f"{type_.name}.{field.name.value}")
        elif isinstance(node, StringValueNode):
            _check_text(node.value, coordinate, _leaf_maximum(type_, coordinate))
            if isinstance(type_, GraphQLScalarType) and type_.name in _STRICT_SCALARS:
                _parse(type_.parse_literal, node, coordinate)
            if _is_id(type_):
                check_global_id(node.value, coordinate)
        elif isinstance(node, IntValueNode) and _is_id(type_):
            check_global_id(int(node.value), coordinate)

    def value(self, value: object, type_: GraphQLInputType, coordinate: str) -> None:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(type_, GraphQLList):
            for item in value if isinstance(value, list) else (value,):
                self.value(item, type_.of_type, coordinate)
        elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
            for name, item in value.items():
                definition = type_.fields.get(name)
                if definition is not None:
                    self.value(item, definition.type, f"{type_.name}.{name}")
        elif isinstance(value, str):
            _check_text(value, coordinate, _leaf_maximum(type_, coordinate))
            if isinstance(type_, GraphQLScalarType) and type_.name in _STRICT_SCALARS:
                _parse(type_.parse_value, value, coordinate)
            if _is_id(type_):
                check_global_id(value, coordinate)
        elif value is not None and _is_id(type_):
            check_global_id(value, coordinate)


class _Arguments(Visitor):
    """Names each argument by its schema coordinate (`Query.civicIssue(token:)`), from the
    field or directive it belongs to."""

    def __init__(self, type_info: TypeInfo, walk: _Walk) -> None:
        super().__init__()
        self.type_info = type_info
        self.walk = walk
        self.owners: list[str] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        self.owners.append(f"{parent.name if parent else '?'}.{node.name.value}")

    def leave_field(self, *_: object) -> None:
        self.owners.pop()

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.owners.append(f"@{node.name.value}")

    def leave_directive(self, *_: object) -> None:
        self.owners.pop()

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        argument = self.type_info.get_argument()
        if argument is not None and self.owners:
            coordinate = f"{self.owners[-1]}({node.name.value}:)"
            self.walk.literal(node.value, argument.type, coordinate)


def check_document(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None
) -> None:
    check_variables(variables)
    type_info = TypeInfo(schema)
    visit(document, TypeInfoVisitor(type_info, _Arguments(type_info, _Walk(variables))))


class InputCheck(SchemaExtension):
    """Runs the check on every operation, over HTTP and WebSocket alike, where strawberry
    validates, after the validation cache (which would overwrite the outcome): a refusal
    stands in for the validation errors, so nothing executes. Set rather than raised, because
    an exception here would escape a subscription's stream."""

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            try:
                check_document(context.schema._schema, context.graphql_document, context.variables)
            except GraphQLError as error:
                context.pre_execution_errors = [error]
        yield
