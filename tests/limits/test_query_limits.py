"""The query limits through `schema.execute`: each refusal's code, the figures of documents
whose fragments multiply, and that nothing of a refused document runs."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query, parse

from schema.core.context import Context
from schema.limits.cost import compile_cost, evaluate
from schema.limits.shape import Shape, operation_shapes
from schema.root import build_schema
from settings import Settings
from tests.support import SCHEMA, count_statements, error_codes, gql


def doubling(n: int, *, inline: bool = False, root: str = "{ districts { ...F%d } }") -> str:
    """Each fragment spreads the one before it twice (inside inline fragments if asked):
    n fragments, 2**n copies of F0 once expanded."""
    fragments = ["fragment F0 on District { id }"]
    for i in range(1, n + 1):
        spread = f"...F{i - 1}"
        body = (
            f"... on District {{ {spread} }} ... on District {{ {spread} }}"
            if inline
            else (f"{spread} {spread}")
        )
        fragments.append(f"fragment F{i} on District {{ {body} }}")
    return root % n + " " + " ".join(fragments)


# Districts contain communities which name their district: nests as deep as one likes.
DEEP = "query Deep { districts { " + "communities { district { " * 6 + "code" + " }" * 13 + " }"
DEEP_THROUGH_FRAGMENTS = """
query Deep { districts { ...D1 } }
fragment D1 on District { communities { district { ...D2 } } }
fragment D2 on District { communities { district { ...D3 } } }
fragment D3 on District { communities { district { ...D4 } } }
fragment D4 on District { communities { district { ...D5 } } }
fragment D5 on District { communities { district { ...D6 } } }
fragment D6 on District { communities { district { code } } }
"""
# Four aliases in a fragment spread eight times: 32, over the 30 allowed.
ALIASES_THROUGH_FRAGMENTS = (
    "{ districts { ...A ...A ...A ...A ...A ...A ...A ...A } } "
    "fragment A on District { a: id b: code c: name d: id }"
)
# Ten directives in a fragment spread six times: 60, over the 50 allowed.
DIRECTIVES_THROUGH_FRAGMENTS = (
    "{ districts { ...D ...D ...D ...D ...D ...D } } "
    "fragment D on District { id " + "@include(if: true) " * 10 + "}"
)
# The same with a variable in each: refused before any variable is read.
DIRECTIVES_WITH_VARIABLES = (
    "query($on: Boolean!) { districts { ...D ...D ...D ...D ...D ...D } } "
    "fragment D on District { id " + "@include(if: $on) " * 10 + "}"
)
TOO_MANY_TOKENS = "{ districts { " + "code " * 2100 + "} }"
NESTED_TOO_DEEPLY_TO_PARSE = "{" + " districts {" * 400 + " code" + " }" * 401
# Nine `ofType` below `types` is what a full introspection query asks; forty is not.
OF_TYPE_40 = "{ __schema { types { " + "ofType { " * 40 + "name" + " }" * 40 + " } } }"
# Lists of the schema four deep: fields, then a field's type's fields, and so on.
INTROSPECTION_LISTS = (
    "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
)
# Four hundred copies of one field with a sub-selection: the overlap check would compare
# 80,000 pairs (two seconds), and stops at its budget instead.
REPEATED_FIELDS = "{ " + "districts { code } " * 400 + "}"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (DEEP, "QUERY_TOO_DEEP"),
        (DEEP_THROUGH_FRAGMENTS, "QUERY_TOO_DEEP"),
        (ALIASES_THROUGH_FRAGMENTS, "TOO_MANY_ALIASES"),
        (DIRECTIVES_THROUGH_FRAGMENTS, "TOO_MANY_DIRECTIVES"),
        (DIRECTIVES_WITH_VARIABLES, "TOO_MANY_DIRECTIVES"),
        (doubling(30), "TOO_MANY_FIELDS"),
        (doubling(30, inline=True), "TOO_MANY_FIELDS"),
        (TOO_MANY_TOKENS, "TOO_MANY_TOKENS"),
        (NESTED_TOO_DEEPLY_TO_PARSE, "QUERY_TOO_DEEP"),
        (OF_TYPE_40, "INTROSPECTION_TOO_DEEP"),
        (INTROSPECTION_LISTS, "INTROSPECTION_TOO_DEEP"),
        (REPEATED_FIELDS, "QUERY_TOO_COMPLEX"),
    ],
)
async def test_every_limit_refuses_with_its_code_before_anything_runs(
    document: str, code: str
) -> None:
    # when a document breaks a limit
    with count_statements() as sql:
        result = await gql(document)

    # then it is one coded request error, and no statement ran
    assert result.data is None
    assert error_codes(result) == [code], result.errors
    assert sql.statements == []


async def test_the_messages_of_the_depth_and_alias_limits_are_kept() -> None:
    # Clients (and tests/live/test_http.py) match them; only the code is new.
    deep = await gql(DEEP)
    aliases = await gql(ALIASES_THROUGH_FRAGMENTS)

    assert deep.errors and deep.errors[0].message == (
        "'Deep' exceeds maximum operation depth of 12"
    )
    assert aliases.errors and aliases.errors[0].message == "32 aliases found. Allowed: 30"


async def test_the_fields_limit_and_its_maximum_come_from_the_settings() -> None:
    # given a schema that allows 8 fields once fragments are expanded
    schema = build_schema(Settings().replace(max_query_fields=8))

    # when a document of 9 (districts, then 8 copies of id) and one of 8 are sent
    refused = await schema.execute(doubling(3), context_value=Context())
    accepted = await schema.execute(
        doubling(3, root="{ ...F%d }")
        .replace("on District", "on Query")
        .replace("{ id }", "{ __typename }"),
        context_value=Context(),
    )

    # then the first is refused with the figures, the second runs
    assert error_codes(refused) == ["TOO_MANY_FIELDS"]
    assert refused.errors and refused.errors[0].extensions == {
        "code": "TOO_MANY_FIELDS",
        "maximum": 8,
    }
    assert "selects 9 fields" in refused.errors[0].message
    assert accepted.errors is None
    assert accepted.data == {"__typename": "Query"}


def test_the_figures_are_those_of_the_full_expansion() -> None:
    [operation] = operation_shapes(parse(doubling(30)))

    assert operation.name == "anonymous"
    assert operation.shape == Shape(depth=1, aliases=0, directives=0, fields=1 + 2**30)


def test_a_fragment_cycle_is_left_to_validation() -> None:
    # given fragments that spread each other (invalid, and reported by validation)
    document = parse(
        "{ districts { ...A } } fragment A on District { id ...B } "
        "fragment B on District { code ...A }"
    )

    # then measuring them terminates, counting each fragment once
    [operation] = operation_shapes(document)
    assert operation.shape.fields == 3


async def test_a_fragment_cycle_is_a_validation_error() -> None:
    result = await gql(
        "{ districts { ...A } } fragment A on District { id ...B } "
        "fragment B on District { code ...A }"
    )

    assert result.errors and "Cannot spread fragment 'A' within itself" in str(
        result.errors[0].message
    )


async def test_a_full_introspection_query_is_accepted() -> None:
    # GraphiQL's schema explorer asks this; the introspection limits must leave it alone.
    result = await gql(get_introspection_query(descriptions=True, specified_by_url=True))

    assert result.errors is None
    assert result.data and result.data["__schema"]["queryType"]["name"] == "Query"


async def test_a_document_within_every_limit_runs() -> None:
    # given a document that reuses a fragment as applications do
    document = (
        "{ districts { ...Names communities { district { ...Names } } } } "
        "fragment Names on District { code name }"
    )

    result = await gql(document)

    assert result.errors is None
    assert result.data and result.data["districts"]


def test_the_cost_plan_of_a_doubling_document_is_compiled_once_per_fragment() -> None:
    # Each copy of F0 asks for a district's communities (a list of 10): 2**40 copies would
    # never finish expanding; the plan is compiled per fragment and evaluated once per part.
    document = doubling(40).replace("{ id }", "{ communities { name } }")
    plan = compile_cost(SCHEMA._schema, parse(document))

    assert evaluate(plan, {}) == 10 * (1 + 2**40 * 10)


def test_a_variable_page_in_a_doubling_fragment_is_evaluated_once_per_part() -> None:
    document = (
        "query($n: Int = 5) { organizations(first: $n) { nodes { ...F40 } } } "
        "fragment F0 on Organization { district { name } } "
        + " ".join(
            f"fragment F{i} on Organization {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)
        )
    )
    plan = compile_cost(SCHEMA._schema, parse(document))

    assert evaluate(plan, {"n": 3}) == 1 + 3 * (1 + 2**40)
    assert evaluate(plan, {}) == 1 + 5 * (1 + 2**40)


async def test_validation_stops_after_100_errors_with_a_code() -> None:
    # given a document of 120 fields that do not exist
    result = await gql("{ " + " ".join(f"missing{n}" for n in range(120)) + " }")

    # then 100 are reported, and the last error says validation stopped there
    assert result.errors is not None and len(result.errors) == 101
    assert error_codes(result)[-1] == "TOO_MANY_VALIDATION_ERRORS"
