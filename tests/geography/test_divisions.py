"""Administering districts and communities: population, centre point, names and codes change,
each in the audit log with before → after; a point outside the district, a duplicate name or a
population out of bounds is refused with a code and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from models.accounts import Role
from models.audit import AuditEntry
from models.geography import Community, District
from services.common.principal import Principal
from tests.support import data_of, error_codes, gql, make_user

UPDATE_DISTRICT = """
mutation ($input: UpdateDistrictInput!) {
  updateDistrict(input: $input) {
    district { name nameEn population divisionCode center { lat lng } }
    errors { code field }
  }
}"""
CREATE_COMMUNITY = """
mutation ($input: CreateCommunityInput!) {
  createCommunity(input: $input) {
    community { id name population divisionCode district { code } }
    errors { code field }
  }
}"""
UPDATE_COMMUNITY = """
mutation ($input: UpdateCommunityInput!) {
  updateCommunity(input: $input) {
    community { name population center { lat lng } }
    errors { code field }
  }
}"""


def gid(kind: str, key: int) -> str:
    return str(relay.GlobalID(kind, str(key)))


@pytest.fixture
async def admin() -> Principal:
    _, principal = await make_user("city.admin", Role.ADMIN)
    return principal


async def test_a_districts_population_and_seat_change_and_are_audited(admin: Principal) -> None:
    huicheng = await District.get(code="HUICHENG")
    seat = {"lat": huicheng.center_lat + 0.001, "lng": huicheng.center_lng}

    data = await data_of(
        UPDATE_DISTRICT,
        {
            "input": {
                "district": gid("District", huicheng.id),
                "population": 1_700_000,
                "center": seat,
            }
        },
        admin,
    )

    result = data["updateDistrict"]
    assert result["errors"] == []
    assert result["district"]["population"] == 1_700_000
    assert result["district"]["center"] == seat
    entry = await AuditEntry.get(object_type="District", object_id=huicheng.id)
    assert entry.action == "updateDistrict"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["population"], entry.after["population"]) == (
        huicheng.population,
        1_700_000,
    )
    assert (entry.before["center_lat"], entry.after["center_lat"]) == (
        huicheng.center_lat,
        seat["lat"],
    )
    assert entry.after["name"] == huicheng.name


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"population": -1}, ["INVALID_POPULATION"]),
        ({"population": 20_000_001}, ["INVALID_POPULATION"]),
        ({"name": ""}, ["INVALID_NAME"]),
        ({"nameEn": "x" * 65}, ["INVALID_NAME"]),
        ({"name": "惠阳区"}, ["DUPLICATE_NAME"]),
        ({"divisionCode": "44130"}, ["INVALID_DIVISION_CODE"]),
        # Shenzhen's city hall: outside Huicheng's outline.
        ({"center": {"lat": 22.543, "lng": 114.058}}, ["INVALID_LOCATION"]),
        ({"center": {"lat": 95.0, "lng": 114.0}}, ["INVALID_LOCATION"]),
        ({"population": -5, "name": " "}, ["INVALID_NAME", "INVALID_POPULATION"]),
    ],
)
async def test_bad_district_input_is_coded_and_changes_nothing(
    admin: Principal, changes: dict[str, Any], codes: list[str]
) -> None:
    huicheng = await District.get(code="HUICHENG")
    result = await data_of(
        UPDATE_DISTRICT, {"input": {"district": gid("District", huicheng.id), **changes}}, admin
    )
    assert [e["code"] for e in result["updateDistrict"]["errors"]] == codes
    fresh = await District.get(id=huicheng.id)
    assert (fresh.name, fresh.population, fresh.center_lat) == (
        huicheng.name,
        huicheng.population,
        huicheng.center_lat,
    )
    assert await AuditEntry.all().count() == 0


async def test_unknown_ids_are_coded(admin: Principal) -> None:
    district = await data_of(
        UPDATE_DISTRICT, {"input": {"district": gid("District", 9999), "population": 1}}, admin
    )
    assert district["updateDistrict"]["errors"] == [
        {"code": "DISTRICT_NOT_FOUND", "field": "district"}
    ]
    wrong_type = await data_of(
        UPDATE_COMMUNITY, {"input": {"community": gid("District", 1), "population": 1}}, admin
    )
    assert wrong_type["updateCommunity"]["errors"] == [
        {"code": "COMMUNITY_NOT_FOUND", "field": "community"}
    ]


async def test_a_community_is_created_then_changed_and_both_are_audited(
    admin: Principal,
) -> None:
    huicheng = await District.get(code="HUICHENG")
    center = {"lat": huicheng.center_lat, "lng": huicheng.center_lng}

    created = await data_of(
        CREATE_COMMUNITY,
        {
            "input": {
                "district": gid("District", huicheng.id),
                "name": "新湖社区",
                "population": 12_000,
                "center": center,
                "divisionCode": "441302001001",
            }
        },
        admin,
    )
    result = created["createCommunity"]
    assert result["errors"] == []
    assert result["community"]["district"] == {"code": "HUICHENG"}
    community_id = result["community"]["id"]

    changed = await data_of(
        UPDATE_COMMUNITY, {"input": {"community": community_id, "population": 12_500}}, admin
    )
    assert changed["updateCommunity"]["community"]["population"] == 12_500

    entries = await AuditEntry.filter(object_type="Community").order_by("id")
    assert [e.action for e in entries] == ["createCommunity", "updateCommunity"]
    assert entries[0].before is None
    assert entries[0].after is not None
    assert entries[0].after["division_code"] == "441302001001"
    assert (entries[1].before or {})["population"] == 12_000
    assert (entries[1].after or {})["population"] == 12_500


async def test_a_duplicate_or_misplaced_community_is_refused(admin: Principal) -> None:
    huicheng = await District.get(code="HUICHENG")
    existing = await Community.filter(district_id=huicheng.id).order_by("id").first()
    assert existing is not None
    before = await Community.all().count()

    duplicate = await data_of(
        CREATE_COMMUNITY,
        {
            "input": {
                "district": gid("District", huicheng.id),
                "name": existing.name,
                "population": 0,
                "center": {"lat": 22.543, "lng": 114.058},
            }
        },
        admin,
    )

    assert [e["code"] for e in duplicate["createCommunity"]["errors"]] == [
        "INVALID_LOCATION",
        "DUPLICATE_NAME",
    ]
    assert await Community.all().count() == before
    assert await AuditEntry.all().count() == 0


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_an_administrator_edits_districts(role: Role) -> None:
    huicheng = await District.get(code="HUICHENG")
    _, someone = await make_user("someone", role)
    variables = {"input": {"district": gid("District", huicheng.id), "population": 1}}
    assert error_codes(await gql(UPDATE_DISTRICT, variables, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(UPDATE_DISTRICT, variables)) == ["NOT_AUTHENTICATED"]
    community = {"input": {"community": gid("Community", 1), "population": 1}}
    assert error_codes(await gql(UPDATE_COMMUNITY, community, someone)) == ["NOT_PERMITTED"]
    assert (await District.get(id=huicheng.id)).population == huicheng.population
