"""`orderBy` on the lists people page through: every order pages with keyset cursors that stay
stable, a cursor of one order is refused by another, and an order costs no statement more."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import from_base64, to_base64

import demo as demo_data
from models.accounts import Role
from models.activities import Activity
from models.organizations import Organization, OrganizationCategory
from tests.support import count_statements, data_of, error_codes, gql, huicheng, make_user

SMALL = demo_data.Scale("test", volunteers=40, organizations=6)

# (list, orders other than the default, the field whose order a non-id order sorts by)
LISTS = [
    ("volunteers", ["NEWEST", "MOST_HOURS"]),
    ("organizations", ["NEWEST", "NAME"]),
    ("orders", ["NEWEST"]),
    ("civicIssues", ["NEWEST"]),
    ("activities", ["NEWEST", "TITLE"]),
]
SORT_FIELD = {"MOST_HOURS": "totalHours", "NAME": "name", "TITLE": "title"}


def _document(list_name: str, order: str) -> str:
    field = SORT_FIELD.get(order, "id")
    return f"""
query Page($first: Int, $after: String) {{
  {list_name}(orderBy: {order}, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ id {field if field != "id" else ""} }}
  }}
}}"""


async def _all_pages(document: str, principal: Any, size: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = next(
            iter((await data_of(document, {"first": size, "after": after}, principal)).values())
        )
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize(("list_name", "orders"), LISTS)
async def test_every_order_pages_through_the_whole_list_once(
    list_name: str, orders: list[str]
) -> None:
    await demo_data.seed(SMALL)
    _, admin = await make_user("ops.admin", Role.ADMIN)

    oldest = await _all_pages(_document(list_name, "OLDEST"), admin, 7)
    assert len(oldest) >= 3, "the demo data gives every list a few rows"
    ids = [n["id"] for n in oldest]
    for order in orders:
        paged = await _all_pages(_document(list_name, order), admin, 3)
        # each row exactly once, whatever the page size
        assert sorted(n["id"] for n in paged) == sorted(ids)
        assert len({n["id"] for n in paged}) == len(paged)
        if order == "NEWEST":
            assert [n["id"] for n in paged] == ids[::-1]
        elif order == "MOST_HOURS":
            keys = [Decimal(n["totalHours"]) for n in paged]
            assert keys == sorted(keys, reverse=True)
        else:
            # text sorts by the database's own collation: the same order as its ORDER BY
            model = {"NAME": Organization, "TITLE": Activity}[order]
            column = {"NAME": "name", "TITLE": "title"}[order]
            type_name = {"NAME": "Organization", "TITLE": "Activity"}[order]
            expected = (
                await model.filter(id__in=[int(from_base64(i)[1]) for i in ids])
                .order_by(column, "id")
                .values_list("id", flat=True)
            )
            assert [n["id"] for n in paged] == [to_base64(type_name, i) for i in expected]

        # a cursor of one order is refused by another, coded
        first = next(
            iter((await data_of(_document(list_name, order), {"first": 1}, admin)).values())
        )
        cursor = first["pageInfo"]["endCursor"]
        refused = await gql(_document(list_name, "OLDEST"), {"first": 1, "after": cursor}, admin)
        assert error_codes(refused) == ["BAD_USER_INPUT"]
        assert "another order" in str(refused.errors)
        plain = next(
            iter((await data_of(_document(list_name, "OLDEST"), {"first": 1}, admin)).values())
        )
        back = await gql(
            _document(list_name, order),
            {"first": 1, "after": plain["pageInfo"]["endCursor"]},
            admin,
        )
        assert error_codes(back) == ["BAD_USER_INPUT"]

        # and an order costs no statement more than the default
        counts = []
        for each in ("OLDEST", order):
            with count_statements() as counter:
                await data_of(_document(list_name, each), {"first": 5}, admin)
            counts.append(len(counter.statements))
        assert counts[0] == counts[1], (order, counts)


async def test_name_order_breaks_ties_by_id_and_stays_stable_under_inserts() -> None:
    district = await huicheng()
    for name in ("Beta", "Alpha", "Gamma", "Delta"):
        await Organization.create(
            name=name, category=OrganizationCategory.CULTURE, district=district
        )
    document = _document("organizations", "NAME")

    page = (await data_of(document, {"first": 2}))["organizations"]
    # an organisation named before the cursor, founded between two pages, is not in the next
    await Organization.create(
        name="Aardvark", category=OrganizationCategory.CULTURE, district=district
    )
    rest = (await data_of(document, {"after": page["pageInfo"]["endCursor"]}))["organizations"]

    assert [n["name"] for n in page["nodes"]] == ["Alpha", "Beta"]
    assert [n["name"] for n in rest["nodes"]] == ["Delta", "Gamma"]
    assert error_codes(await gql(document, {"after": "bm9wZQ=="})) == ["BAD_USER_INPUT"]


NEAR = {"lat": 23.11, "lng": 114.41, "withinKm": 40}
BY_DISTANCE = """
query Page($first: Int, $after: String, $near: NearInput) {
  activities(orderBy: DISTANCE, filter: {near: $near}, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}"""


async def test_activities_nearest_first_page_exactly_with_ties_by_id() -> None:
    from services.common.distance import haversine_meters

    await demo_data.seed(SMALL)
    _, admin = await make_user("ops.admin", Role.ADMIN)
    nodes, after = [], None
    while True:
        variables = {"first": 2, "after": after, "near": NEAR}
        page = (await data_of(BY_DISTANCE, variables, admin))["activities"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    rows = {a.id: a for a in await Activity.all()}
    within = [
        a
        for a in rows.values()
        if haversine_meters(NEAR["lat"], NEAR["lng"], a.lat, a.lng) <= NEAR["withinKm"] * 1000
    ]
    assert len(within) >= 3, "the demo has activities around the city centre"
    # Activities at one station share a point: they follow each other by ID
    expected = sorted(
        within,
        key=lambda a: (round(haversine_meters(NEAR["lat"], NEAR["lng"], a.lat, a.lng), 3), a.id),
    )
    assert [n["id"] for n in nodes] == [to_base64("Activity", a.id) for a in expected]

    # DISTANCE needs a point to measure from, and a coded refusal says so
    refused = await gql("{ activities(orderBy: DISTANCE, first: 1) { nodes { id } } }", {}, admin)
    assert error_codes(refused) == ["INVALID_FILTER"]
