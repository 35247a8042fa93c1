"""Inputs the outside fuzzing turned into "Unexpected error.": each is now a coded top-level error
that names the field and changes nothing, or (a time without a zone) a defined reading."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import build_schema as build_sdl
from graphql import get_named_type
from strawberry.relay import to_base64

from models.accounts import Role, User
from models.civic import CivicIssue
from models.organizations import Organization
from schema.core.inputs import FIELD_MAXIMA, MAX_STRING_LENGTH
from schema.core.relay import MAX_DATABASE_ID, database_id
from tests.civic.support import civic_world, report
from tests.support import SCHEMA, error_codes, gql, make_user, make_volunteer

STATISTICS = "query ($asOf: DateTime) { cityStatistics(asOf: $asOf) { asOf } }"
SIGN_UP = """mutation ($input: SignUpInput!) {
  signUp(input: $input) { token errors { code field } }
}"""
ORGANIZATIONS = """query ($search: String) {
  organizations(filter: {search: $search}) { totalCount }
}"""
CORRECTION = """mutation ($input: CorrectionInput!) {
  requestServiceRecordCorrection(input: $input) { record { id } errors { code field } }
}"""
FILE = """mutation ($input: FileCivicIssueInput!) {
  fileCivicIssue(input: $input) { civicIssue { deadline } errors { code field } }
}"""
NODE = "query ($id: ID!) { node(id: $id) { id } }"
ORDER = "query ($id: ID!) { order(id: $id) { id } }"
VOLUNTEERS_AFTER = "query ($after: String) { volunteers(after: $after) { totalCount } }"


def only_error(result: Any) -> dict[str, Any]:
    assert result.data is None or all(v is None for v in result.data.values()), result.data
    assert result.errors is not None and len(result.errors) == 1, result.errors
    error = result.errors[0]
    assert error.message != "Unexpected error."
    return {"message": error.message, **(error.extensions or {})}


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:00:00Z", "soon"],
)
async def test_a_moment_out_of_range_or_malformed_is_a_coded_error_naming_the_argument(
    as_of: str,
) -> None:
    # when the statistics are asked for as of a moment no date can hold, by variable
    by_variable = only_error(await gql(STATISTICS, {"asOf": as_of}))
    # and as a literal
    by_literal = only_error(await gql(f'{{ cityStatistics(asOf: "{as_of}") {{ asOf }} }}'))

    # then both are refused, coded, with the argument named
    for error in (by_variable, by_literal):
        assert error["code"] == "BAD_USER_INPUT"
        assert error["field"] == "Query.cityStatistics(asOf:)"


async def test_a_naive_deadline_is_huizhou_time_not_a_crash() -> None:
    # given a reported civic issue and a dispatcher
    who = await civic_world()
    issue = await report(who["resident"])
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    naive_in_huizhou = (tomorrow + timedelta(hours=8)).replace(tzinfo=None)

    # when the dispatcher files it with a deadline that has no offset
    result = await gql(
        FILE,
        {
            "input": {
                "issue": to_base64("CivicIssue", issue.id),
                "deadline": naive_in_huizhou.isoformat(),
            }
        },
        who["dispatcher"],
    )

    # then the deadline is read as Huizhou wall-clock time
    assert result.errors is None, result.errors
    assert result.data is not None
    assert result.data["fileCivicIssue"]["errors"] == []
    stored = await CivicIssue.get(id=issue.id)
    assert stored.deadline == tomorrow


@pytest.mark.parametrize(
    "hours",
    ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999999", "1e-99999", "1" * 40, "", "1.5.1"],
)
async def test_hours_that_are_no_finite_number_are_refused_naming_the_field(hours: str) -> None:
    _, volunteer, _ = await make_volunteer("volunteer1")
    record = to_base64("ServiceRecord", 1)

    result = await gql(
        CORRECTION, {"input": {"record": record, "hours": hours, "note": ""}}, volunteer
    )

    error = only_error(result)
    assert error["code"] == "BAD_USER_INPUT"
    assert error["field"] == "CorrectionInput.hours"


async def test_a_decimal_literal_of_absurd_size_is_refused_naming_the_field() -> None:
    _, volunteer, _ = await make_volunteer("volunteer1")
    record = to_base64("ServiceRecord", 1)
    document = (
        f'mutation {{ requestServiceRecordCorrection(input: {{record: "{record}", '
        f'hours: "1e999999999"}}) {{ errors {{ code }} }} }}'
    )

    error = only_error(await gql(document, principal=volunteer))

    assert (error["code"], error["field"]) == ("BAD_USER_INPUT", "CorrectionInput.hours")


# --- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "٣", "-1", "0x10", "1.5", " 1"])
async def test_an_id_whose_number_is_not_digits_is_invalid(number: str) -> None:
    _, admin = await make_user("admin1", Role.ADMIN)

    for document, field in ((NODE, "Query.node(id:)"), (ORDER, "Query.order(id:)")):
        result = await gql(document, {"id": to_base64("ServiceOrder", number)}, admin)
        assert result.errors is not None
        assert [e.extensions for e in result.errors] == [{"code": "INVALID_ID", "field": field}]


@pytest.mark.parametrize("number", [str(2**31), str(2**40), str(2**70)])
async def test_an_id_number_no_table_can_hold_names_nothing(number: str) -> None:
    _, admin = await make_user("admin1", Role.ADMIN)

    for type_name in ("Volunteer", "ServiceOrder", "Membership", "OrderAssignment", "District"):
        # when a node is asked for by a global ID whose number is past every table's range
        result = await gql(NODE, {"id": to_base64(type_name, number)}, admin)
        # then nothing is found, and nothing failed
        assert result.errors is None, (type_name, result.errors)
        assert result.data == {"node": None}

    order = await gql(ORDER, {"id": to_base64("ServiceOrder", number)}, admin)
    assert order.errors is None or "Unexpected error." not in str(order.errors)
    assert order.data is None or order.data["order"] is None


async def test_a_mutation_given_an_id_past_the_range_answers_not_found() -> None:
    _, volunteer, _ = await make_volunteer("volunteer1")
    record = to_base64("ServiceRecord", 2**40)

    result = await gql(
        CORRECTION, {"input": {"record": record, "hours": "1.5", "note": "late"}}, volunteer
    )

    assert result.errors is None, result.errors
    assert result.data is not None
    errors = result.data["requestServiceRecordCorrection"]["errors"]
    assert [e["code"] for e in errors] == ["RECORD_NOT_FOUND"]


async def test_a_cursor_past_the_range_is_a_coded_error() -> None:
    import base64

    _, admin = await make_user("admin1", Role.ADMIN)
    cursor = base64.urlsafe_b64encode(f"cursor:{2**40}".encode()).decode()

    error = only_error(await gql(VOLUNTEERS_AFTER, {"after": cursor}, admin))

    assert error["code"] == "BAD_USER_INPUT"


def test_database_ids_are_ascii_numbers_within_the_integer_range() -> None:
    assert database_id("17") == 17
    assert database_id(str(MAX_DATABASE_ID)) == MAX_DATABASE_ID
    for text in (str(MAX_DATABASE_ID + 1), "", "-3", "1.0", "²", "١٢", " 7", "9" * 400):
        assert database_id(text) is None, text


# --- strings -----------------------------------------------------------------------------------


async def test_a_ten_mebibyte_username_is_refused_fast_and_creates_nothing() -> None:
    username = "u" * (10 * 1024 * 1024)
    started = time.monotonic()

    result = await gql(SIGN_UP, {"input": {"username": username, "password": "correct-horse-9"}})

    elapsed = time.monotonic() - started
    error = only_error(result)
    assert error["code"] == "INPUT_TOO_LONG"
    assert error["field"] == "$input.username"
    assert username not in error["message"]
    assert elapsed < 1.0
    assert await User.all().count() == 0


async def test_a_field_with_a_tighter_maximum_is_refused_at_it() -> None:
    result = await gql(SIGN_UP, {"input": {"username": "u" * 65, "password": "correct-horse-9"}})

    error = only_error(result)
    assert (error["code"], error["field"], error["maximum"]) == (
        "INPUT_TOO_LONG",
        "SignUpInput.username",
        64,
    )
    assert await User.all().count() == 0


async def test_the_maximum_applies_to_literal_arguments_too() -> None:
    document = f'{{ civicIssue(token: "{"T" * 65}") {{ token }} }}'
    error = only_error(await gql(document))
    assert (error["code"], error["field"]) == ("INPUT_TOO_LONG", "Query.civicIssue(token:)")

    search = "s" * 129
    error = only_error(
        await gql(f'{{ organizations(filter: {{search: "{search}"}}) {{ totalCount }} }}')
    )
    assert (error["code"], error["field"]) == ("INPUT_TOO_LONG", "OrganizationFilter.search")


async def test_any_string_past_the_global_maximum_is_refused() -> None:
    _, volunteer, _ = await make_volunteer("volunteer1")
    note = "n" * (MAX_STRING_LENGTH + 1)
    result = await gql(
        CORRECTION,
        {"input": {"record": to_base64("ServiceRecord", 1), "hours": "1", "note": note}},
        volunteer,
    )
    error = only_error(result)
    assert (error["code"], error["maximum"]) == ("INPUT_TOO_LONG", MAX_STRING_LENGTH)


@pytest.mark.parametrize("text", ["a\x00b", "\x00"])
async def test_a_nul_character_is_refused_not_matched_against_every_row(text: str) -> None:
    # given an organisation whose name a NUL search would match on SQLite
    _, founder, _ = await make_volunteer("founder1")
    from tests.support import make_organization

    await make_organization(founder)

    by_variable = only_error(await gql(ORGANIZATIONS, {"search": text}))
    by_literal = only_error(
        await gql('{ organizations(filter: {search: "a\\u0000b"}) { totalCount } }')
    )

    for error in (by_variable, by_literal):
        assert error["code"] == "INVALID_CHARACTER"
    assert by_variable["field"] == "$search"
    assert by_literal["field"] == "OrganizationFilter.search"
    assert await Organization.all().count() == 1


async def test_a_lone_surrogate_in_a_variable_is_refused() -> None:
    result = await gql(
        SIGN_UP, {"input": {"username": "ab\ud800cd", "password": "correct-horse-9"}}
    )

    error = only_error(result)
    assert (error["code"], error["field"]) == ("INVALID_CHARACTER", "$input.username")
    assert await User.all().count() == 0


async def test_a_lone_surrogate_in_a_variable_key_is_refused() -> None:
    error = only_error(await gql(SIGN_UP, {"input": {"\udc00": "x"}}))
    assert error["code"] == "INVALID_CHARACTER"


async def test_the_check_runs_over_websocket_subscriptions_too() -> None:
    issue = to_base64("CivicIssue", 1)
    document = (
        f'subscription {{ civicIssueUpdated(issue: "{issue}", after: "a\\u0000") '
        "{ __typename } }"
    )
    stream = await SCHEMA.subscribe(document)
    assert hasattr(stream, "__aiter__")
    first = await anext(aiter(stream))
    assert error_codes(first) == ["INVALID_CHARACTER"]


def test_every_declared_maximum_names_a_string_of_the_schema(repo_root: Any) -> None:
    schema = build_sdl((repo_root / "schema.graphql").read_text(encoding="utf-8"))
    for coordinate in FIELD_MAXIMA:
        if "(" in coordinate:
            owner, rest = coordinate.split(".", 1)
            field_name, argument = rest.rstrip(":)").split("(")
            field_type = schema.get_type(owner).fields[field_name]  # type: ignore[union-attr]
            target = field_type.args[argument].type
        else:
            owner, field_name = coordinate.split(".")
            target = schema.get_type(owner).fields[field_name].type  # type: ignore[union-attr]
        assert get_named_type(target).name == "String", coordinate
        assert FIELD_MAXIMA[coordinate] < MAX_STRING_LENGTH
