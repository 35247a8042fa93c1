"""Registering volunteers, changing profiles, and listing the registry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import Role
from models.geography import Community, District
from models.volunteers import Volunteer
from services.common.identity import parse_id_number
from tests.support import (
    data_of,
    error_codes,
    gql,
    huicheng,
    make_user,
    make_volunteer,
    new_id_number,
)

REGISTER = """
mutation Register($input: RegisterVolunteerInput!) {
  registerVolunteer(input: $input) {
    volunteer { id realName gender birthDate phone idNumber starLevel skills status
                district { code } community { name } homeLocation { lat lng } }
    errors { code field message }
  }
}"""
UPDATE = """
mutation Update($input: UpdateVolunteerProfileInput!) {
  updateVolunteerProfile(input: $input) {
    volunteer { phone skills status district { code } community { name } }
    errors { code field }
  }
}"""
LIST = """
query List($filter: VolunteerFilter, $first: Int, $after: String) {
  volunteers(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { realName } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def _registration(**overrides: Any) -> dict[str, Any]:
    district = await huicheng()
    values = {
        "realName": "陈志愿",
        "idNumber": new_id_number("1990-05-17"),
        "phone": "+86 138 0013 8000",
        "district": to_base64("District", district.id),
        "skills": ["FIRST_AID", "ELDERLY_CARE"],
        "homeLocation": {"lat": 23.08, "lng": 114.40},
    }
    values.update(overrides)
    return values


async def test_a_resident_registers_and_becomes_a_volunteer() -> None:
    user, principal = await make_user("chen")
    registration = await _registration()
    data = await data_of(REGISTER, {"input": registration}, principal)
    payload = data["registerVolunteer"]
    assert payload["errors"] == []
    volunteer = payload["volunteer"]
    parsed = parse_id_number(registration["idNumber"])
    assert parsed is not None
    assert volunteer["realName"] == "陈志愿"
    assert volunteer["birthDate"] == "1990-05-17"
    assert volunteer["gender"] == parsed.gender.value
    assert volunteer["phone"] == "13800138000"  # normalised, and the owner sees it
    assert volunteer["idNumber"] == registration["idNumber"]
    assert volunteer["starLevel"] == 0 and volunteer["status"] == "ACTIVE"
    assert volunteer["skills"] == ["ELDERLY_CARE", "FIRST_AID"]
    assert volunteer["homeLocation"] == {"lat": 23.08, "lng": 114.40}
    await user.refresh_from_db()
    assert Role.VOLUNTEER.value in user.roles
    stored = await Volunteer.get(user_id=user.id)
    assert stored.id_number_hash != registration["idNumber"]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"realName": "陈"}, "INVALID_NAME", "realName"),
        ({"idNumber": "441302199005171234"}, "INVALID_ID_NUMBER", "idNumber"),
        ({"idNumber": "12345"}, "INVALID_ID_NUMBER", "idNumber"),
        ({"phone": "12345"}, "INVALID_PHONE", "phone"),
        ({"birthDate": "1991-01-01"}, "BIRTH_DATE_MISMATCH", "birthDate"),
        ({"homeLocation": {"lat": 39.9, "lng": 116.4}}, "INVALID_LOCATION", "homeLocation"),
        ({"district": to_base64("District", 9999)}, "UNKNOWN_DISTRICT", "district"),
        ({"district": to_base64("Volunteer", 1)}, "UNKNOWN_DISTRICT", "district"),
        ({"community": to_base64("Community", 9999)}, "UNKNOWN_COMMUNITY", "community"),
    ],
)
async def test_registration_errors_are_coded_and_change_nothing(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    user, principal = await make_user("chen")
    data = await data_of(REGISTER, {"input": await _registration(**overrides)}, principal)
    errors = data["registerVolunteer"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert data["registerVolunteer"]["volunteer"] is None
    assert await Volunteer.all().count() == 0
    await user.refresh_from_db()
    assert user.roles == ["RESIDENT"]


async def test_every_problem_of_an_input_is_reported_at_once() -> None:
    _, principal = await make_user("chen")
    data = await data_of(
        REGISTER, {"input": await _registration(realName="", phone="1", idNumber="x")}, principal
    )
    codes = {e["code"] for e in data["registerVolunteer"]["errors"]}
    assert codes == {"INVALID_NAME", "INVALID_PHONE", "INVALID_ID_NUMBER"}


async def test_a_community_of_another_district_is_refused() -> None:
    _, principal = await make_user("chen")
    elsewhere = await Community.filter(district__code="LONGMEN").first()
    assert elsewhere is not None
    data = await data_of(
        REGISTER,
        {"input": await _registration(community=to_base64("Community", elsewhere.id))},
        principal,
    )
    assert [e["code"] for e in data["registerVolunteer"]["errors"]] == ["UNKNOWN_COMMUNITY"]


async def test_the_same_id_number_cannot_register_twice() -> None:
    id_number = new_id_number()
    await make_volunteer("first", id_number=id_number)
    _, principal = await make_user("second")
    # Lower-case x and spaces are the same number.
    data = await data_of(
        REGISTER, {"input": await _registration(idNumber=f" {id_number.lower()} ")}, principal
    )
    assert [e["code"] for e in data["registerVolunteer"]["errors"]] == ["DUPLICATE_ID_NUMBER"]
    assert await Volunteer.all().count() == 1


async def test_a_person_registers_only_once() -> None:
    _, principal, _ = await make_volunteer("chen")
    data = await data_of(REGISTER, {"input": await _registration()}, principal)
    assert [e["code"] for e in data["registerVolunteer"]["errors"]] == ["ALREADY_REGISTERED"]


async def test_registration_needs_a_sign_in() -> None:
    result = await gql(REGISTER, {"input": await _registration()})
    assert error_codes(result) == ["NOT_AUTHENTICATED"]
    assert await Volunteer.all().count() == 0


async def test_a_dispatcher_registers_someone_without_an_account() -> None:
    _, dispatcher = await make_user("desk", Role.DISPATCHER)
    data = await data_of(REGISTER, {"input": await _registration()}, dispatcher)
    assert data["registerVolunteer"]["errors"] == []
    volunteer = await Volunteer.get()
    assert volunteer.user_id is None


async def test_a_volunteer_updates_their_profile() -> None:
    _, principal, volunteer_id = await make_volunteer("chen")
    district = await District.get(code="BOLUO")
    community = await Community.filter(district_id=district.id).first()
    assert community is not None
    data = await data_of(
        UPDATE,
        {
            "input": {
                "volunteer": to_base64("Volunteer", volunteer_id),
                "phone": "0752-2345678",
                "district": to_base64("District", district.id),
                "community": to_base64("Community", community.id),
                "skills": ["DRIVING"],
            }
        },
        principal,
    )
    assert data["updateVolunteerProfile"] == {
        "volunteer": {
            "phone": "0752-2345678",
            "skills": ["DRIVING"],
            "status": "ACTIVE",
            "district": {"code": "BOLUO"},
            "community": {"name": community.name},
        },
        "errors": [],
    }


async def test_profile_update_errors_change_nothing() -> None:
    _, principal, volunteer_id = await make_volunteer("chen")
    before = await Volunteer.get(id=volunteer_id)
    data = await data_of(
        UPDATE,
        {
            "input": {
                "volunteer": to_base64("Volunteer", volunteer_id),
                "phone": "nope",
                "skills": [],
            }
        },
        principal,
    )
    assert data["updateVolunteerProfile"]["errors"] == [{"code": "INVALID_PHONE", "field": "phone"}]
    after = await Volunteer.get(id=volunteer_id)
    assert (after.phone, after.skills) == (before.phone, before.skills)


async def test_only_the_volunteer_or_an_admin_changes_a_profile() -> None:
    _, _, volunteer_id = await make_volunteer("chen")
    _, stranger = await make_user("stranger")
    _, admin = await make_user("boss", Role.ADMIN)
    variables = {
        "input": {"volunteer": to_base64("Volunteer", volunteer_id), "status": "SUSPENDED"}
    }
    assert error_codes(await gql(UPDATE, variables, stranger)) == ["NOT_PERMITTED"]
    data = await data_of(UPDATE, variables, admin)
    assert data["updateVolunteerProfile"]["volunteer"]["status"] == "SUSPENDED"


async def test_a_volunteer_cannot_change_their_own_status() -> None:
    _, principal, volunteer_id = await make_volunteer("chen")
    variables = {"input": {"volunteer": to_base64("Volunteer", volunteer_id), "status": "ACTIVE"}}
    assert error_codes(await gql(UPDATE, variables, principal)) == ["NOT_PERMITTED"]


async def test_an_unknown_volunteer_is_a_coded_error() -> None:
    _, admin = await make_user("boss", Role.ADMIN)
    data = await data_of(UPDATE, {"input": {"volunteer": to_base64("Volunteer", 999)}}, admin)
    assert data["updateVolunteerProfile"]["errors"] == [
        {"code": "VOLUNTEER_NOT_FOUND", "field": "volunteer"}
    ]


async def _registry_of_five() -> list[int]:
    ids = []
    for index, (name, skill, hours) in enumerate(
        [
            ("王芳", "FIRST_AID", "0"),
            ("李娜", "DRIVING", "120"),
            ("王强", "FIRST_AID", "350"),
            ("张敏", "TUTORING", "99.5"),
            ("王静", "DRIVING", "1600"),
        ]
    ):
        _, _, volunteer_id = await make_volunteer(f"vol{index}", real_name=name)
        await Volunteer.filter(id=volunteer_id).update(
            skills=f"|{skill}|", total_hours=Decimal(hours)
        )
        ids.append(volunteer_id)
    return ids


async def test_the_registry_filters_by_skill_stars_and_name() -> None:
    await _registry_of_five()
    _, reader = await make_user("reader", Role.DISPATCHER)

    async def names(filter: dict[str, Any]) -> list[str]:
        data = await data_of(LIST, {"filter": filter, "first": 10}, reader)
        connection = data["volunteers"]
        assert connection["totalCount"] == len(connection["edges"])
        return [e["node"]["realName"] for e in connection["edges"]]

    assert await names({"skill": "FIRST_AID"}) == ["王芳", "王强"]
    assert await names({"starLevelAtLeast": 1}) == ["李娜", "王强", "王静"]
    assert await names({"starLevelAtLeast": 2}) == ["王强", "王静"]
    assert await names({"starLevelAtLeast": 5}) == ["王静"]
    assert await names({"search": "王"}) == ["王芳", "王强", "王静"]
    assert await names({"skill": "DRIVING", "starLevelAtLeast": 5}) == ["王静"]
    assert await names({"district": to_base64("District", (await huicheng()).id)}) == [
        "王芳",
        "李娜",
        "王强",
        "张敏",
        "王静",
    ]
    assert await names({"district": to_base64("District", 999_999)}) == []


async def test_the_registry_pages_with_cursors() -> None:
    await _registry_of_five()
    _, reader = await make_user("reader", Role.DISPATCHER)
    seen: list[str] = []
    after = None
    while True:
        data = await data_of(LIST, {"first": 2, "after": after}, reader)
        connection = data["volunteers"]
        assert connection["totalCount"] == 5
        seen += [e["node"]["realName"] for e in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == ["王芳", "李娜", "王强", "张敏", "王静"]


async def test_a_null_page_size_means_the_default_of_20() -> None:
    for index in range(21):
        await make_volunteer(f"vol{index}")
    _, reader = await make_user("reader", Role.DISPATCHER)

    for variables in ({"first": None}, {}):
        connection = (await data_of(LIST, variables, reader))["volunteers"]
        assert (len(connection["edges"]), connection["totalCount"]) == (20, 21)
        assert connection["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 101}, "`first` must be between 0 and 100."),
        ({"first": -1}, "`first` must be between 0 and 100."),
        ({"first": 5, "after": "bm90LWEtY3Vyc29y"}, "`after` is not a cursor of this list."),
    ],
)
async def test_page_size_is_capped_and_cursors_are_checked(
    variables: dict[str, Any], message: str
) -> None:
    _, reader = await make_user("reader", Role.DISPATCHER)
    result = await gql(LIST, variables, reader)
    assert result.errors is not None
    assert [e.message for e in result.errors] == [message]
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_the_registry_is_for_signed_in_users_only() -> None:
    result = await gql(LIST, {"first": 1})
    assert error_codes(result) == ["NOT_AUTHENTICATED"]
