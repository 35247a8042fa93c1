"""Stations and the 10-minute service circle: nearest first, cut off at the walk, coverage."""

from __future__ import annotations

import math
from typing import Any

import pytest
from strawberry.relay import to_base64

from demo import stations as demo_stations
from models.accounts import Role, User
from models.dispatch import ServiceCategory
from models.geography import Community, District
from models.organizations import Organization, OrganizationCategory
from models.stations import Station, StationKind
from services import accounts, stations
from services.volunteers import CITY_BOUNDS
from tests.support import (
    count_statements,
    data_of,
    error_codes,
    gql,
    huicheng,
    make_organization,
    make_user,
    make_volunteer,
)

NEARBY = """
query Nearby(
  $lat: Float!, $lng: Float!, $minutes: Int! = 10, $kind: StationKind, $first: Int! = 20
) {
  nearbyStations(lat: $lat, lng: $lng, withinMinutes: $minutes, kind: $kind, first: $first) {
    distanceMeters walkingMinutes station { name kind }
  }
}"""
COVERAGE = """
query Coverage($district: ID) {
  serviceCircleCoverage(district: $district) {
    communities communitiesCovered communityShare
    population populationCovered populationShare
    walkingMinutes walkingSpeedMetersPerMinute
    uncovered { community { name } nearestStationMeters }
  }
}"""
CREATE = """
mutation Create($input: CreateStationInput!) {
  createStation(input: $input) {
    station { name kind services location { lat lng } organization { name } community { name } }
    errors { code field message }
  }
}"""
PAGE = """
query Page($first: Int!) {
  stations(first: $first) {
    totalCount
    nodes { name kind services district { name } community { name district { name } }
            organization { name district { name } } }
  }
}"""

# The seat of 惠城区; every fixture distance below is along its meridian, where the
# great-circle distance is exactly R·Δφ, so the expected metres are the offsets themselves.
ORIGIN = (23.0837, 114.3828)


def north(meters: float, origin: tuple[float, float] = ORIGIN) -> tuple[float, float]:
    return origin[0] + math.degrees(meters / stations.EARTH_RADIUS_METERS), origin[1]


async def _station(
    name: str,
    at: tuple[float, float],
    kind: StationKind = StationKind.COMMUNITY_SERVICE_STATION,
    district: District | None = None,
    **extra: Any,
) -> Station:
    district = district or await huicheng()
    return await Station.create(
        kind=kind, name=name, address="测试路1号", lat=at[0], lng=at[1], district=district, **extra
    )


async def _walk_fixture() -> None:
    await _station("A 240m", north(240))
    await _station("F 320m", north(320), StationKind.SERVICE_POINT)
    await _station("B 560m", north(-560))
    await _station("C 799m", north(799))
    await _station("D 801m", north(-801))
    # Inside the bounding box of an 800 m circle, outside the circle: ~990 m to the north-east.
    corner = math.degrees(700 / stations.EARTH_RADIUS_METERS)
    await _station("G corner", (ORIGIN[0] + corner, ORIGIN[1] + corner / math.cos(0.403)))
    await _station("Far 龙门", (23.7277, 114.2546), district=await District.get(code="LONGMEN"))


def _variables(**extra: Any) -> dict[str, Any]:
    return {"lat": ORIGIN[0], "lng": ORIGIN[1], **extra}


async def test_nearby_stations_come_nearest_first_and_stop_at_the_walk() -> None:
    # given stations at known distances on the meridian, one just inside 800 m, one just out
    await _walk_fixture()

    # when a resident at the origin asks for stations within 10 minutes (800 m at 80 m/min)
    found = (await data_of(NEARBY, _variables()))["nearbyStations"]

    # then they come nearest first, with metres and minutes, and nothing beyond 800 m
    assert [(f["station"]["name"], f["distanceMeters"], f["walkingMinutes"]) for f in found] == [
        ("A 240m", 240, 3.0),
        ("F 320m", 320, 4.0),
        ("B 560m", 560, 7.0),
        ("C 799m", 799, 10.0),
    ]


async def test_nearby_stations_honour_minutes_kind_and_first() -> None:
    await _walk_fixture()

    five = (await data_of(NEARBY, _variables(minutes=5)))["nearbyStations"]
    points = (await data_of(NEARBY, _variables(kind="SERVICE_POINT")))["nearbyStations"]
    two = (await data_of(NEARBY, _variables(first=2)))["nearbyStations"]

    assert [f["station"]["name"] for f in five] == ["A 240m", "F 320m"]
    assert [(f["station"]["name"], f["station"]["kind"]) for f in points] == [
        ("F 320m", "SERVICE_POINT")
    ]
    assert [f["station"]["name"] for f in two] == ["A 240m", "F 320m"]


async def test_nearby_stations_read_only_the_bounding_box(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the walk fixture, with a station 70 km away in 龙门县
    await _walk_fixture()
    loaded: list[str] = []
    original = Station._init_from_db.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Station], **row: Any) -> Station:
        station: Station = original(cls, **row)
        loaded.append(station.name)
        return station

    monkeypatch.setattr(Station, "_init_from_db", classmethod(spy))

    # when the nearby search runs
    with count_statements() as counter:
        found = await stations.nearby_stations(*ORIGIN)

    # then one statement, bounded on lat and lng, loads only the box: never the far station
    assert len(counter.statements) == 1
    assert '"lat">=' in counter.statements[0].replace(" ", "")
    assert '"lng"<=' in counter.statements[0].replace(" ", "")
    assert "Far 龙门" not in loaded
    assert "G corner" in loaded
    assert "G corner" not in [f.station.name for f in found]


async def test_the_bounding_box_holds_the_whole_circle() -> None:
    # at any bearing, a point at exactly the radius lies inside the box around the centre
    box = stations.Box.around(*ORIGIN, 800)
    for bearing in range(0, 360, 5):
        theta = math.radians(bearing)
        angle = 800 / stations.EARTH_RADIUS_METERS
        phi1, lam1 = math.radians(ORIGIN[0]), math.radians(ORIGIN[1])
        phi2 = math.asin(
            math.sin(phi1) * math.cos(angle) + math.cos(phi1) * math.sin(angle) * math.cos(theta)
        )
        lam2 = lam1 + math.atan2(
            math.sin(theta) * math.sin(angle) * math.cos(phi1),
            math.cos(angle) - math.sin(phi1) * math.sin(phi2),
        )
        lat, lng = math.degrees(phi2), math.degrees(lam2)
        assert stations.haversine_meters(*ORIGIN, lat, lng) == pytest.approx(800, abs=1e-6)
        assert box.lat_min <= lat <= box.lat_max and box.lng_min <= lng <= box.lng_max, bearing


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"lat": 39.9, "lng": 116.4}, [("INVALID_LOCATION", "lat"), ("INVALID_LOCATION", "lng")]),
        ({"minutes": 0}, [("INVALID_WALKING_TIME", "withinMinutes")]),
        ({"minutes": 61}, [("INVALID_WALKING_TIME", "withinMinutes")]),
        ({"first": 0}, [("INVALID_FIRST", "first")]),
        (
            {"first": 101, "minutes": 90},
            [("INVALID_WALKING_TIME", "withinMinutes"), ("INVALID_FIRST", "first")],
        ),
    ],
)
async def test_bad_nearby_arguments_are_coded_errors(
    variables: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    result = await gql(NEARBY, _variables(**variables))

    assert result.errors is not None and len(result.errors) == 1
    extensions = result.errors[0].extensions or {}
    assert (extensions["code"], extensions["field"]) == expected[0]
    assert [(p["code"], p["field"]) for p in extensions["problems"]] == expected


async def _coverage_fixture() -> District:
    """Four communities on one meridian and two stations (plus a dispatch centre, which does
    not count). Hand-computed, in metres north of the base:

    community  at      population  nearest station       covered
    一村        0       1,000       S1 at 500: 500        yes
    二村        1,000   3,000       S1 at 500: 500        yes
    三村        3,000   6,000       S2 at 3,900: 900      no (the centre at 3,000 does not count)
    四村        12,000  500         S2: 8,100 > 800+5,000 no, distance unknown

    communities 2/4 = 0.5, population 4,000/10,500."""
    base = (23.5, 114.9)
    district = await District.create(
        code="TEST",
        name="测试区",
        name_en="Test",
        population=10_500,
        center_lat=23.5,
        center_lng=114.9,
    )
    for name, offset, population in (
        ("一村", 0, 1_000),
        ("二村", 1_000, 3_000),
        ("三村", 3_000, 6_000),
        ("四村", 12_000, 500),
    ):
        lat, lng = north(offset, base)
        await Community.create(
            district=district, name=name, population=population, center_lat=lat, center_lng=lng
        )
    await _station("S1", north(500, base), district=district)
    await _station("S2", north(3_900, base), StationKind.LEI_FENG_POST, district=district)
    await _station("调度中心", north(3_000, base), StationKind.DISPATCH_CENTER, district=district)
    return district


async def test_coverage_counts_communities_and_residents_within_the_walk() -> None:
    # given the hand-computed fixture
    district = await _coverage_fixture()

    # when the city asks for the district's coverage
    with count_statements() as counter:
        coverage = (await data_of(COVERAGE, {"district": to_base64("District", district.id)}))[
            "serviceCircleCoverage"
        ]

    # then the shares and the communities outside match the hand computation
    assert coverage == {
        "communities": 4,
        "communitiesCovered": 2,
        "communityShare": 0.5,
        "population": 10_500,
        "populationCovered": 4_000,
        "populationShare": pytest.approx(4_000 / 10_500),
        "walkingMinutes": 10,
        "walkingSpeedMetersPerMinute": 80.0,
        "uncovered": [
            {"community": {"name": "三村"}, "nearestStationMeters": 900},
            {"community": {"name": "四村"}, "nearestStationMeters": None},
        ],
    }
    # one statement for the communities, one for the stations around them
    assert len(counter.statements) == 2


async def test_coverage_of_the_whole_city_and_of_an_unknown_district() -> None:
    await _coverage_fixture()

    city = (await data_of(COVERAGE))["serviceCircleCoverage"]
    unknown = await gql(COVERAGE, {"district": to_base64("District", 9999)})

    assert city["communities"] == await Community.all().count()
    assert city["communitiesCovered"] == 2
    assert error_codes(unknown) == ["UNKNOWN_DISTRICT"]


def _input(district: District, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "SERVICE_POINT",
        "name": "江北学雷锋志愿服务点",
        "address": "惠城区江北街道云山西路1号",
        "location": {"lat": 23.09, "lng": 114.40},
        "district": to_base64("District", district.id),
        "services": ["ELDERLY_CARE", "ERRANDS"],
        **extra,
    }


async def test_an_administrator_registers_a_station() -> None:
    _, admin = await make_user("admin", Role.ADMIN)
    district = await huicheng()
    community = await Community.filter(district=district).first()
    assert community is not None

    created = (
        await data_of(
            CREATE,
            {"input": _input(district, community=to_base64("Community", community.id))},
            admin,
        )
    )["createStation"]

    assert created["errors"] == []
    assert created["station"] == {
        "name": "江北学雷锋志愿服务点",
        "kind": "SERVICE_POINT",
        "services": ["ELDERLY_CARE", "ERRANDS"],
        "location": {"lat": 23.09, "lng": 114.40},
        "organization": None,
        "community": {"name": community.name},
    }
    found = await stations.nearby_stations(23.09, 114.40)
    assert [f.station.name for f in found] == ["江北学雷锋志愿服务点"]


async def test_bad_station_input_is_reported_field_by_field_and_writes_nothing() -> None:
    _, admin = await make_user("admin", Role.ADMIN)
    district = await huicheng()
    elsewhere = await Community.filter(district__code="LONGMEN").first()
    assert elsewhere is not None
    await _station("已有的站", ORIGIN)

    bad = (
        await data_of(
            CREATE,
            {
                "input": _input(
                    district,
                    name=" ",
                    address="",
                    location={"lat": 39.9, "lng": 116.4},
                    community=to_base64("Community", elsewhere.id),
                    openingHours="x" * 300,
                )
            },
            admin,
        )
    )["createStation"]
    duplicate = (await data_of(CREATE, {"input": _input(district, name="已有的站")}, admin))[
        "createStation"
    ]
    wrong_type = (
        await data_of(
            CREATE, {"input": {**_input(district), "district": to_base64("User", 1)}}, admin
        )
    )["createStation"]

    assert bad["station"] is None
    assert sorted((e["code"], e["field"]) for e in bad["errors"]) == [
        ("INVALID_ADDRESS", "address"),
        ("INVALID_LOCATION", "location"),
        ("INVALID_NAME", "name"),
        ("INVALID_OPENING_HOURS", "openingHours"),
        ("UNKNOWN_COMMUNITY", "community"),
    ]
    assert [(e["code"], e["field"]) for e in duplicate["errors"]] == [("DUPLICATE_NAME", "name")]
    assert [(e["code"], e["field"]) for e in wrong_type["errors"]] == [
        ("UNKNOWN_DISTRICT", "district")
    ]
    assert await Station.all().count() == 1


async def test_who_may_register_a_station() -> None:
    # given an organisation admin, another organisation, a resident and nobody
    founder_user, founder, _ = await make_volunteer("founder")
    own = await make_organization(founder, "惠城区好人志愿服务队")
    founder = accounts.principal_for(await User.get(id=founder_user.id))
    _, other_founder, _ = await make_volunteer("other")
    other = await make_organization(other_founder, "惠城区学雷锋志愿服务队")
    _, resident = await make_user("resident", Role.RESIDENT)
    district = await huicheng()

    def with_organization(organization_id: int | None, **extra: Any) -> dict[str, Any]:
        given = _input(district, **extra)
        if organization_id is not None:
            given["organization"] = to_base64("Organization", organization_id)
        return {"input": given}

    # when each tries
    anonymous = await gql(CREATE, with_organization(own))
    as_resident = await gql(CREATE, with_organization(own), resident)
    for_other = await gql(CREATE, with_organization(other), founder)
    for_none = await gql(CREATE, with_organization(None), founder)
    centre = await gql(CREATE, with_organization(own, kind="DISPATCH_CENTER"), founder)
    for_own = await data_of(CREATE, with_organization(own), founder)

    # then only the organisation admin for their own organisation gets through
    assert error_codes(anonymous) == ["NOT_AUTHENTICATED"]
    assert error_codes(as_resident) == ["NOT_PERMITTED"]
    assert error_codes(for_other) == ["NOT_PERMITTED"]
    assert error_codes(for_none) == ["NOT_PERMITTED"]
    assert error_codes(centre) == ["NOT_PERMITTED"]
    assert for_own["createStation"]["errors"] == []
    assert for_own["createStation"]["station"]["organization"] == {"name": "惠城区好人志愿服务队"}
    assert await Station.all().count() == 1


async def test_the_station_list_filters_by_kind_and_district() -> None:
    await _walk_fixture()
    longmen = await District.get(code="LONGMEN")

    posts = await data_of(
        "{ stations(filter: {kind: SERVICE_POINT}) { totalCount nodes { name } } }"
    )
    far = await data_of(
        "query($d: ID!) { stations(filter: {district: $d}) { nodes { name } } }",
        {"d": to_base64("District", longmen.id)},
    )

    assert posts["stations"] == {"totalCount": 1, "nodes": [{"name": "F 320m"}]}
    assert far["stations"]["nodes"] == [{"name": "Far 龙门"}]


async def _statements(first: int) -> int:
    with count_statements() as counter:
        data = await data_of(PAGE, {"first": first})
    assert len(data["stations"]["nodes"]) == first
    return len(counter.statements)


async def test_a_station_page_of_100_costs_the_same_statements_as_a_page_of_1() -> None:
    districts = await District.all().order_by("id")
    communities = await Community.all().order_by("id")
    await Organization.bulk_create(
        [
            Organization(name=f"队{i}", category=OrganizationCategory.CULTURE, district=d)
            for i, d in enumerate(districts)
        ]
    )
    organizations = await Organization.all().order_by("id")
    rows = []
    for i in range(120):
        community = communities[i % len(communities)]
        rows.append(
            Station(
                kind=list(StationKind)[i % len(StationKind)],
                name=f"站{i}",
                address="测试路",
                lat=community.center_lat,
                lng=community.center_lng,
                district_id=community.district_id,
                community_id=community.id,
                # The first row has every relation, so the page of 1 resolves each of them.
                organization_id=None if i % 3 == 2 else organizations[i % len(organizations)].id,
                services=f"|{ServiceCategory.ERRANDS.value}|",
            )
        )
    await Station.bulk_create(rows)
    one = await _statements(1)
    hundred = await _statements(100)
    assert hundred == one
    assert one <= 6


async def test_demo_stations_follow_the_seed_counts_and_load_once() -> None:
    # when the demo stations are loaded twice
    first = await demo_stations.seed_stations()
    second = await demo_stations.seed_stations()

    # then the seed's ~350 are there once, by kind, all inside the city
    assert (first, second) == (350, 0)
    by_kind = {kind: await Station.filter(kind=kind).count() for kind in StationKind}
    assert by_kind == {
        StationKind.COMMUNITY_SERVICE_STATION: 105,
        StationKind.GOOD_PERSON_STATION: 5,
        StationKind.LEI_FENG_POST: 30,
        StationKind.SERVICE_POINT: 200,
        StationKind.SPECIALIST_STUDIO: 10,
        StationKind.DISPATCH_CENTER: 0,
    }
    lat_min, lat_max, lng_min, lng_max = CITY_BOUNDS
    assert (
        await Station.filter(
            lat__gte=lat_min, lat__lte=lat_max, lng__gte=lng_min, lng__lte=lng_max
        ).count()
        == 350
    )
    assert await Station.exists(name=demo_stations.DONG_XIAOLAN[0])
    coverage = await stations.service_circle_coverage()
    assert coverage.communities_covered == coverage.communities
