"""Changing a station (ADMIN): checked as a new one is, recorded in the audit log with before →
after (its creation too); bad input is coded and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.relay import to_base64

from models.accounts import Role
from models.audit import AuditEntry
from models.geography import Community, District
from models.stations import Station, StationKind
from services import stations
from services.common.principal import Principal
from tests.support import data_of, error_codes, gql, make_user

UPDATE = """
mutation ($input: UpdateStationInput!) {
  updateStation(input: $input) {
    station { name openingHours location { lat lng } community { name } district { code } }
    errors { code field }
  }
}"""


@pytest.fixture
async def admin() -> Principal:
    return (await make_user("city.admin", Role.ADMIN))[1]


async def _station(by: Principal, name: str = "江北学雷锋志愿服务点") -> Station:
    district = await District.get(code="HUICHENG")
    community = await Community.filter(district_id=district.id).order_by("id").first()
    assert community is not None
    return await stations.create_station(
        by,
        stations.NewStation(
            kind=StationKind.SERVICE_POINT,
            name=name,
            address="惠城区江北文昌一路 8 号",
            lat=23.0837,
            lng=114.3828,
            district_id=district.id,
            community_id=community.id,
        ),
    )


async def test_a_station_changes_and_both_steps_are_audited(admin: Principal) -> None:
    station = await _station(admin)

    data = await data_of(
        UPDATE,
        {
            "input": {
                "station": to_base64("Station", station.id),
                "openingHours": "周六 09:00-17:00",
                "location": {"lat": 23.09, "lng": 114.39},
                "community": None,
            }
        },
        admin,
    )

    changed = data["updateStation"]
    assert changed["errors"] == []
    assert changed["station"]["openingHours"] == "周六 09:00-17:00"
    assert changed["station"]["community"] is None
    entries = await AuditEntry.filter(object_type="Station").order_by("id")
    assert [e.action for e in entries] == ["createStation", "updateStation"]
    assert entries[0].before is None
    before, after = entries[1].before or {}, entries[1].after or {}
    assert (before["opening_hours"], after["opening_hours"]) == ("", "周六 09:00-17:00")
    assert (before["lat"], after["lat"]) == (23.0837, 23.09)
    assert before["community_id"] == station.community_id and after["community_id"] is None


async def test_moving_a_station_to_another_district_leaves_its_community(
    admin: Principal,
) -> None:
    station = await _station(admin)
    boluo = await District.get(code="BOLUO")
    data = await data_of(
        UPDATE,
        {
            "input": {
                "station": to_base64("Station", station.id),
                "district": to_base64("District", boluo.id),
                "location": {"lat": boluo.center_lat, "lng": boluo.center_lng},
            }
        },
        admin,
    )
    assert data["updateStation"]["station"]["district"] == {"code": "BOLUO"}
    assert data["updateStation"]["station"]["community"] is None


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"name": "x"}, ["INVALID_NAME"]),
        ({"name": "另一个服务站"}, ["DUPLICATE_NAME"]),
        ({"address": ""}, ["INVALID_ADDRESS"]),
        ({"openingHours": "x" * 257}, ["INVALID_OPENING_HOURS"]),
        ({"location": {"lat": 39.9, "lng": 116.4}}, ["INVALID_LOCATION"]),
        ({"district": to_base64("District", 9999)}, ["UNKNOWN_DISTRICT"]),
        ({"community": to_base64("Community", 9999)}, ["UNKNOWN_COMMUNITY"]),
        ({"organization": to_base64("Organization", 9999)}, ["UNKNOWN_ORGANIZATION"]),
    ],
)
async def test_bad_input_is_coded_and_changes_nothing(
    admin: Principal, changes: dict[str, Any], codes: list[str]
) -> None:
    station = await _station(admin)
    await _station(admin, "另一个服务站")

    data = await data_of(
        UPDATE, {"input": {"station": to_base64("Station", station.id), **changes}}, admin
    )

    assert [e["code"] for e in data["updateStation"]["errors"]] == codes
    fresh = await Station.get(id=station.id)
    assert (fresh.name, fresh.address, fresh.lat) == (station.name, station.address, station.lat)
    assert await AuditEntry.filter(action="updateStation").count() == 0


async def test_an_unknown_station_is_coded(admin: Principal) -> None:
    data = await data_of(
        UPDATE, {"input": {"station": to_base64("Station", 999), "name": "新名"}}, admin
    )
    assert data["updateStation"]["errors"] == [{"code": "STATION_NOT_FOUND", "field": "station"}]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
async def test_only_an_administrator_changes_stations(admin: Principal, role: Role) -> None:
    station = await _station(admin)
    _, someone = await make_user("someone", role)
    variables = {"input": {"station": to_base64("Station", station.id), "name": "新名字的服务点"}}
    assert error_codes(await gql(UPDATE, variables, someone)) == ["NOT_PERMITTED"]
    assert error_codes(await gql(UPDATE, variables)) == ["NOT_AUTHENTICATED"]
    assert (await Station.get(id=station.id)).name == station.name
