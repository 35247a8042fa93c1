"""One rule for every ID a client sends: a malformed one is INVALID_ID, one of another type is
NOT_FOUND, both top-level and naming the argument; a well-formed ID of the right type whose row
is missing is null, as it always was."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import Role
from models.organizations import Organization
from tests.support import gql, make_user, make_volunteer

VOLUNTEER = "query ($id: ID!) { volunteer(id: $id) { realName } }"
VOLUNTEERS = """query ($filter: VolunteerFilter) {
  volunteers(filter: $filter) { totalCount } }"""
CREATE = """mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } errors { code field } } }"""
MALFORMED = ["abc", "", to_base64("Volunteer", "abc"), to_base64("Volunteer", "-1"), "Vm9sdW50ZWVy"]


def only_error(result: Any) -> dict[str, Any]:
    assert result.errors is not None and len(result.errors) == 1, result.errors
    assert result.data is None or all(v is None for v in result.data.values()), result.data
    return {"message": result.errors[0].message, **(result.errors[0].extensions or {})}


@pytest.mark.parametrize("malformed", MALFORMED)
async def test_a_malformed_id_is_invalid_id_naming_the_argument(malformed: str) -> None:
    _, reader = await make_user("reader", Role.DISPATCHER)

    by_variable = only_error(await gql(VOLUNTEER, {"id": malformed}, reader))
    by_literal = only_error(
        await gql(f'{{ volunteer(id: "{malformed}") {{ realName }} }}', {}, reader)
    )
    in_a_filter = only_error(await gql(VOLUNTEERS, {"filter": {"district": malformed}}, reader))
    by_node = only_error(await gql("query ($id: ID!) { node(id: $id) { id } }", {"id": malformed}))

    assert [(e["code"], e["field"]) for e in (by_variable, by_literal, in_a_filter, by_node)] == [
        ("INVALID_ID", "Query.volunteer(id:)"),
        ("INVALID_ID", "Query.volunteer(id:)"),
        ("INVALID_ID", "VolunteerFilter.district"),
        ("INVALID_ID", "Query.node(id:)"),
    ]


async def test_a_number_is_no_global_id() -> None:
    error = only_error(await gql("{ node(id: 5) { id } }"))
    assert (error["code"], error["field"]) == ("INVALID_ID", "Query.node(id:)")


async def test_a_malformed_id_in_a_mutation_changes_nothing() -> None:
    _, founder, _ = await make_volunteer("founder")
    given = {"name": "惠城区红马甲志愿服务队", "category": "COMMUNITY", "district": "nope"}

    error = only_error(await gql(CREATE, {"input": given}, founder))

    assert (error["code"], error["field"]) == ("INVALID_ID", "CreateOrganizationInput.district")
    assert await Organization.all().count() == 0


async def test_an_id_of_another_type_is_not_found_naming_the_argument() -> None:
    _, reader, volunteer_id = await make_volunteer("reader")
    wrong = to_base64("ServiceOrder", volunteer_id)

    look_up = only_error(await gql(VOLUNTEER, {"id": wrong}, reader))
    in_a_filter = only_error(await gql(VOLUNTEERS, {"filter": {"community": wrong}}, reader))

    assert [(e["code"], e["field"]) for e in (look_up, in_a_filter)] == [
        ("NOT_FOUND", "Query.volunteer(id:)"),
        ("NOT_FOUND", "VolunteerFilter.community"),
    ]
    assert "ServiceOrder" in look_up["message"]


async def test_a_missing_row_of_the_right_type_is_null() -> None:
    _, reader = await make_user("reader", Role.DISPATCHER)
    for pk in ("999999", str(2**70)):
        result = await gql(VOLUNTEER, {"id": to_base64("Volunteer", pk)}, reader)
        assert result.errors is None
        assert result.data == {"volunteer": None}
