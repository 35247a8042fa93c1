"""Query cost, computed before execution: hand-counted documents, the cap, and the report."""

from __future__ import annotations

import pytest
from graphql import parse

from models.accounts import Role
from schema.core.context import Context
from schema.limits.cost import (
    DEFAULT_LIST_SIZE,
    MUTATION_COST,
    CostAnalysis,
    compile_cost,
    evaluate,
)
from schema.root import build_schema
from settings import Settings
from tests.support import SCHEMA, count_statements, error_codes, gql, make_user

GRAPHQL_SCHEMA = SCHEMA._schema

SCALARS_ONLY = "query { __typename }"
ONE_OBJECT = "query { me { id username roles } }"
# 1 (connection) + 5 x (1 node + 1 district): edges, cursors and page info are free.
PAGE_WITH_DISTRICT = """
query { volunteers(first: 5) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { realName district { name } } } } }
"""
# Nested lists multiply: 1 + 5 x (1 node + a nested connection of 1 + 10 organisations).
NESTED_LISTS = """
query { volunteers(first: 5) { nodes { realName organizations(first: 10) { nodes { name } } } } }
"""
# Without `first`, the schema's default page size (20): 1 + 20 x 1.
DEFAULT_PAGE = "query { organizations { edges { node { name } } } }"
# `first` from a variable, with the operation's default: 1 + n x 1.
VARIABLE_PAGE = """
query Page($n: Int! = 7) { stations(first: $n) { edges { node { name } } } }
"""
# Fragments on an object type add up: 1 + 3 x (1 + 1 district + 1 community).
FRAGMENTS = """
query { volunteers(first: 3) { edges { node { ...Who ... on Volunteer { community { name } } } } } }
fragment Who on Volunteer { realName district { name } }
"""
# On an interface, fragments on different types are alternatives: the costliest counts.
# node: 1 + max(Volunteer: 1 district, Organization: 1 district + its 10 communities).
ALTERNATIVES = """
query($id: ID!) { node(id: $id) {
  ... on Volunteer { district { name } }
  ... on Organization { district { name communities { name } } } } }
"""
MUTATION = """
mutation { login(input: {username: "a", password: "b"}) { token user { id } } }
"""
# `first` beyond the largest page is counted at the largest page (the resolver refuses it).
HUGE_PAGE = "query { volunteers(first: 100000) { nodes { id } } }"
TWO_OPERATIONS = """
query Small { me { id } }
query Big { volunteers(first: 2) { nodes { id } } }
"""


def cost_of(document: str, variables: dict[str, object] | None = None, name: str | None = None):
    return evaluate(compile_cost(GRAPHQL_SCHEMA, parse(document), name), variables or {})


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (SCALARS_ONLY, 0),
        (ONE_OBJECT, 1),
        (PAGE_WITH_DISTRICT, 1 + 5 * 2),
        (NESTED_LISTS, 1 + 5 * (1 + 1 + 10)),
        (DEFAULT_PAGE, 1 + 20),
        (VARIABLE_PAGE, 1 + 7),
        (FRAGMENTS, 1 + 3 * 3),
        (ALTERNATIVES, 1 + max(1, 1 + DEFAULT_LIST_SIZE)),
        (MUTATION, MUTATION_COST + 1),
        (HUGE_PAGE, 1 + 100),
    ],
)
def test_hand_counted_costs(document: str, expected: int) -> None:
    assert cost_of(document) == expected


def test_a_variable_page_size_is_read_from_each_request() -> None:
    assert cost_of(VARIABLE_PAGE, {"n": 50}) == 1 + 50
    assert cost_of(VARIABLE_PAGE, {"n": None}) == 1 + 7
    assert cost_of(VARIABLE_PAGE, {"n": -3}) == 1


def test_the_named_operation_is_the_one_counted() -> None:
    assert cost_of(TWO_OPERATIONS, name="Small") == 1
    assert cost_of(TWO_OPERATIONS, name="Big") == 1 + 2


def test_plans_are_cached_per_document_and_bounded() -> None:
    analysis = CostAnalysis(maximum=1000, cache_size=2)
    document = parse(VARIABLE_PAGE)
    assert analysis.cost(GRAPHQL_SCHEMA, document, VARIABLE_PAGE, None, {"n": 3}) == 4
    assert analysis.cost(GRAPHQL_SCHEMA, document, VARIABLE_PAGE, None, {"n": 9}) == 10
    assert len(analysis._plans) == 1
    for text in (ONE_OBJECT, DEFAULT_PAGE):
        analysis.cost(GRAPHQL_SCHEMA, parse(text), text, None, None)
    assert list(analysis._plans) == [(ONE_OBJECT, None), (DEFAULT_PAGE, None)]


async def test_every_result_reports_its_cost() -> None:
    # given a signed-in user
    _, principal = await make_user("costly", Role.ADMIN)

    # when they ask for a page
    result = await gql(PAGE_WITH_DISTRICT, principal=principal)

    # then the result says what it cost and what one request may cost
    assert result.errors is None
    assert result.extensions == {"cost": {"requested": 11, "maximum": 20000}}


async def test_a_too_costly_document_is_refused_before_anything_runs() -> None:
    # given a schema whose requests may cost at most 10
    schema = build_schema(Settings().replace(max_query_cost=10))
    _, principal = await make_user("greedy", Role.ADMIN)

    # when a request asks for more
    with count_statements() as sql:
        result = await schema.execute(
            PAGE_WITH_DISTRICT, context_value=Context(principal=principal)
        )

    # then it gets one coded top-level error, no data, and the figures, and nothing ran
    assert sql.statements == []
    assert result.data is None
    assert error_codes(result) == ["QUERY_TOO_COSTLY"]
    assert result.errors and result.errors[0].extensions == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 11,
        "maximum": 10,
    }
    assert result.extensions == {"cost": {"requested": 11, "maximum": 10}}
