"""The published schema and the limits every query runs under."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, GraphQLScalarType, Undefined, specified_scalar_types

from models.accounts import Role
from schema.root import build_schema
from tests.support import gql, make_user

SPECIFIED_SCALARS = set(specified_scalar_types)
DEEP = (
    "{ organizations { nodes { " + "district { communities { " * 6 + "name" + " } }" * 6 + " } } }"
)


def test_schema_graphql_is_up_to_date(repo_root: Path) -> None:
    committed = (repo_root / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema().as_str() + "\n", (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def test_every_public_field_has_a_description() -> None:
    undocumented = []
    for name, graphql_type in build_schema()._schema.type_map.items():
        if name.startswith("__") or not hasattr(graphql_type, "fields"):
            continue
        for field_name, field in graphql_type.fields.items():
            if not field.description:
                undocumented.append(f"{name}.{field_name}")
    assert undocumented == []


def test_every_custom_scalar_says_where_it_is_specified() -> None:
    scalars = {
        name: graphql_type.specified_by_url
        for name, graphql_type in build_schema()._schema.type_map.items()
        if isinstance(graphql_type, GraphQLScalarType) and name not in SPECIFIED_SCALARS
    }
    assert set(scalars) == {"Date", "DateTime", "Decimal", "Time", "Upload"}
    assert [name for name, url in scalars.items() if not url] == []


def test_every_page_size_is_nullable_with_its_default() -> None:
    """Relay's pagination fragments declare `count: Int`; `first: Int!` refuses them."""
    schema = build_schema()._schema
    pages = []
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            if "first" in field.args:
                first = field.args["first"]
                pages.append((f"{type_name}.{field_name}", str(first.type), first.default_value))
    assert len(pages) >= 19
    assert [page for page in pages if page[1] != "Int" or page[2] is Undefined] == []


async def test_queries_deeper_than_the_limit_are_refused() -> None:
    result = await gql(DEEP)
    assert result.errors is not None
    assert "exceeds maximum operation depth" in result.errors[0].message


async def test_too_many_aliases_are_refused() -> None:
    aliases = " ".join(f"a{i}: districts {{ name }}" for i in range(40))
    result = await gql(f"{{ {aliases} }}")
    assert result.errors is not None
    assert "aliases" in result.errors[0].message.lower()


async def test_too_many_tokens_are_refused() -> None:
    fields = " ".join("name" for _ in range(2100))
    result = await gql(f"{{ districts {{ {fields} }} }}")
    assert result.errors is not None
    assert "token" in result.errors[0].message.lower()


async def test_unexpected_errors_are_masked(monkeypatch: object) -> None:
    import pytest

    from services.volunteers import lookups

    async def broken(user_id: int) -> None:
        raise RuntimeError("connection string postgres://secret@db")

    _, principal = await make_user("someone", Role.RESIDENT)
    patcher = pytest.MonkeyPatch()
    patcher.setattr(lookups, "volunteer_of_user", broken)
    try:
        result = await gql("{ myVolunteer { id } }", principal=principal)
    finally:
        patcher.undo()
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Unexpected error."]


async def test_node_with_a_malformed_id_is_refused_with_a_code() -> None:
    from strawberry.relay import to_base64

    _, principal = await make_user("someone", Role.ADMIN)
    for global_id in (
        to_base64("District", "abc"),
        to_base64("Volunteer", "-1"),
        to_base64("ServiceOrder", "x"),
        to_base64("DispatchCenter", "1.5"),
    ):
        result = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id}, principal)
        assert result.errors is not None
        assert [e.extensions for e in result.errors] == [
            {"code": "INVALID_ID", "field": "Query.node(id:)"}
        ]
