"""cityStatistics against a fixture whose every figure is counted by hand below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from strawberry.relay import to_base64

from models.dispatch import (
    AssignmentStatus,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    RecordStatus,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
)
from models.geography import District
from models.organizations import Organization, OrganizationCategory
from models.stations import Station, StationKind
from models.volunteers import Volunteer, VolunteerStatus
from services import statistics
from services.geography import default_reference
from tests.support import count_statements, data_of, error_codes, gql

STATISTICS = """
query Statistics($district: ID, $asOf: DateTime) {
  cityStatistics(district: $district, asOf: $asOf) {
    district { code }
    asOf periodStart population
    registeredVolunteers volunteerShare registeredVolunteersAYearAgo newVolunteers growthRate
    participatingVolunteers participationRate confirmedHours hoursPerVolunteer
    ratings satisfiedRatings satisfactionRate
    orders ordersByStatus { status count }
    civicIssueRectificationRate
    organizations organizationsByCategory { category count }
    stations stationsByKind { kind count }
  }
}"""

# 2024-06-30 12:00 in Huizhou; the period is (2023-06-30 04:00Z, 2024-06-30 04:00Z].
AS_OF = datetime(2024, 6, 30, 4, 0, tzinfo=UTC)
PERIOD_START = datetime(2023, 6, 30, 4, 0, tzinfo=UTC)
CITY_POPULATION = sum(d.population for d in default_reference().districts)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Fixture:
    def __init__(self) -> None:
        self.volunteers: dict[str, Volunteer] = {}
        self.sequence = 0

    async def district(self, code: str) -> District:
        return await District.get(code=code)

    async def volunteer(
        self, name: str, code: str, registered: datetime, status: VolunteerStatus
    ) -> None:
        self.sequence += 1
        self.volunteers[name] = await Volunteer.create(
            real_name=name,
            phone="13800138000",
            id_number=f"44130219900101{self.sequence:04d}",
            id_number_hash=f"hash-{self.sequence}",
            district=await self.district(code),
            registered_at=registered,
            status=status,
        )

    async def order(
        self,
        code: str,
        created: datetime,
        status: OrderStatus,
        rating: int | None = None,
        rated: datetime | None = None,
    ) -> ServiceOrder:
        district = await self.district(code)
        center = await DispatchCenter.get_or_none(name="测试调度中心")
        if center is None:
            center = await DispatchCenter.create(name="测试调度中心", level=CenterLevel.CITY)
        return await ServiceOrder.create(
            category=ServiceCategory.ERRANDS,
            description="测试需求",
            address="测试路1号",
            lat=district.center_lat,
            lng=district.center_lng,
            district=district,
            window_start=created,
            window_end=created + timedelta(hours=2),
            status=status,
            dispatch_center=center,
            routed_at=created,
            rating=rating,
            rated_at=rated,
            created_at=created,
        )

    async def record(self, name: str, ended: datetime, hours: str, status: RecordStatus) -> None:
        """A served order of its own, placed long before the period, so that it adds nothing
        to the order and rating figures."""
        volunteer = self.volunteers[name]
        order = await self.order("HUICHENG", at("2020-01-01T00:00"), OrderStatus.COMPLETED)
        assignment = await OrderAssignment.create(
            order=order,
            volunteer=volunteer,
            status=AssignmentStatus.CHECKED_OUT,
            window_start=ended - timedelta(hours=4),
            window_end=ended,
        )
        await ServiceRecord.create(
            assignment=assignment,
            order=order,
            volunteer=volunteer,
            started_at=ended - timedelta(hours=4),
            ended_at=ended,
            hours=Decimal(hours),
            status=status,
        )


async def city_fixture() -> None:
    given = Fixture()
    active, left = VolunteerStatus.ACTIVE, VolunteerStatus.LEFT
    # 惠城区 (1,200,000 residents)
    await given.volunteer("A", "HUICHENG", at("2020-01-01T00:00"), active)
    await given.volunteer("B", "HUICHENG", at("2023-01-01T00:00"), active)
    await given.volunteer("C", "HUICHENG", at("2024-03-01T00:00"), active)  # new in the period
    await given.volunteer("D", "HUICHENG", at("2022-01-01T00:00"), left)  # never counted
    await given.volunteer("E", "HUICHENG", at("2024-08-01T00:00"), active)  # after asOf
    # 惠阳区
    await given.volunteer("F", "HUIYANG", at("2021-05-05T00:00"), active)
    await given.volunteer("G", "HUIYANG", at("2024-01-10T00:00"), active)  # new in the period
    await given.volunteer("H", "HUIYANG", PERIOD_START, active)  # exactly at the start: old

    confirmed, pending, rejected = (
        RecordStatus.CONFIRMED,
        RecordStatus.PENDING,
        RecordStatus.REJECTED,
    )
    await given.record("A", at("2024-05-01T00:00"), "3.50", confirmed)
    await given.record("A", at("2023-03-01T00:00"), "2.25", confirmed)  # before the period
    await given.record("A", at("2024-05-02T00:00"), "4.00", pending)
    await given.record("B", at("2024-04-01T00:00"), "5.00", rejected)
    await given.record("C", at("2024-07-15T00:00"), "1.75", confirmed)  # after asOf
    await given.record("D", at("2024-05-01T00:00"), "6.00", confirmed)  # left: not counted
    await given.record("F", at("2024-06-01T00:00"), "2.00", confirmed)
    await given.record("F", at("2024-06-02T00:00"), "1.00", confirmed)
    await given.record("G", AS_OF, "0.50", confirmed)  # exactly at asOf: in

    rated = OrderStatus.RATED
    await given.order("HUICHENG", at("2024-01-05T00:00"), rated, 5, at("2024-01-06T00:00"))
    await given.order("HUICHENG", at("2024-02-05T00:00"), rated, 4, at("2024-02-06T00:00"))
    await given.order("HUICHENG", at("2024-03-05T00:00"), rated, 2, at("2024-03-06T00:00"))
    await given.order("HUICHENG", at("2024-04-05T00:00"), OrderStatus.SUBMITTED)
    await given.order("HUICHENG", at("2024-05-05T00:00"), OrderStatus.CANCELLED)
    await given.order("HUICHENG", at("2024-07-05T00:00"), rated, 1, at("2024-07-06T00:00"))
    # placed before the period, rated within it: a rating, not an order of the period
    await given.order("HUIYANG", at("2023-05-01T00:00"), rated, 3, at("2023-07-01T00:00"))
    await given.order("HUIYANG", at("2024-06-01T00:00"), OrderStatus.COMPLETED)
    await given.order("HUIYANG", at("2024-06-10T00:00"), rated, 5, AS_OF)

    for code, category, created in (
        ("HUICHENG", OrganizationCategory.COMMUNITY, "2020-01-01T00:00"),
        ("HUICHENG", OrganizationCategory.COMMUNITY, "2023-09-01T00:00"),
        ("HUICHENG", OrganizationCategory.ELDERLY_CARE, "2024-08-01T00:00"),  # after asOf
        ("HUIYANG", OrganizationCategory.CULTURE, "2021-01-01T00:00"),
    ):
        await Organization.create(
            name=f"{code}-{category.value}-{created}",
            category=category,
            district=await given.district(code),
            created_at=at(created),
        )
    for code, kind, created in (
        ("HUICHENG", StationKind.LEI_FENG_POST, "2023-01-01T00:00"),
        ("HUICHENG", StationKind.LEI_FENG_POST, "2024-01-01T00:00"),
        ("HUICHENG", StationKind.SERVICE_POINT, "2024-09-01T00:00"),  # after asOf
        ("HUIYANG", StationKind.DISPATCH_CENTER, "2022-01-01T00:00"),
    ):
        district = await given.district(code)
        await Station.create(
            kind=kind,
            name=f"{code}-{kind.value}-{created}",
            address="测试路1号",
            lat=district.center_lat,
            lng=district.center_lng,
            district=district,
            created_at=at(created),
        )


def _counts(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    """The non-zero entries; every entry is listed, zero or not."""
    return {row[key]: row["count"] for row in rows if row["count"]}


async def _statistics(district: str | None = None, as_of: datetime = AS_OF) -> dict[str, Any]:
    variables = {"district": district, "asOf": as_of.isoformat()}
    return (await data_of(STATISTICS, variables))["cityStatistics"]


async def _district_id(code: str) -> str:
    return to_base64("District", (await District.get(code=code)).id)


async def test_the_city_figures_match_the_hand_count() -> None:
    await city_fixture()

    figures = await _statistics()

    assert figures["district"] is None
    assert figures["asOf"] == "2024-06-30T04:00:00+00:00"
    assert figures["periodStart"] == "2023-06-30T04:00:00+00:00"
    assert figures["population"] == CITY_POPULATION
    # A, B, C, F, G, H; of them A, B, F, H a year ago; C and G new
    assert figures["registeredVolunteers"] == 6
    assert figures["volunteerShare"] == 6 / CITY_POPULATION
    assert figures["registeredVolunteersAYearAgo"] == 4
    assert figures["newVolunteers"] == 2
    assert figures["growthRate"] == 0.5
    # A (3.50), F (2.00 + 1.00), G (0.50)
    assert figures["participatingVolunteers"] == 3
    assert figures["participationRate"] == 0.5
    assert Decimal(figures["confirmedHours"]) == Decimal("7.00")
    assert figures["hoursPerVolunteer"] == "1.17"
    # ratings 5, 4, 2, 3, 5
    assert figures["ratings"] == 5
    assert figures["satisfiedRatings"] == 3
    assert figures["satisfactionRate"] == 0.6
    assert figures["orders"] == 7
    assert _counts(figures["ordersByStatus"], "status") == {
        "RATED": 4,
        "SUBMITTED": 1,
        "CANCELLED": 1,
        "COMPLETED": 1,
    }
    assert len(figures["ordersByStatus"]) == len(OrderStatus)
    assert figures["civicIssueRectificationRate"] is None
    assert figures["organizations"] == 3
    assert _counts(figures["organizationsByCategory"], "category") == {"COMMUNITY": 2, "CULTURE": 1}
    assert len(figures["organizationsByCategory"]) == len(OrganizationCategory)
    assert figures["stations"] == 3
    assert _counts(figures["stationsByKind"], "kind") == {"LEI_FENG_POST": 2, "DISPATCH_CENTER": 1}
    assert len(figures["stationsByKind"]) == len(StationKind)


async def test_a_district_counts_only_its_own() -> None:
    await city_fixture()

    figures = await _statistics(await _district_id("HUICHENG"))

    assert figures["district"] == {"code": "HUICHENG"}
    assert figures["population"] == 1_200_000
    assert (figures["registeredVolunteers"], figures["registeredVolunteersAYearAgo"]) == (3, 2)
    assert figures["volunteerShare"] == 3 / 1_200_000
    assert (figures["newVolunteers"], figures["growthRate"]) == (1, 0.5)
    assert (figures["participatingVolunteers"], figures["participationRate"]) == (1, 1 / 3)
    assert Decimal(figures["confirmedHours"]) == Decimal("3.50")
    assert figures["hoursPerVolunteer"] == "1.17"
    assert (figures["ratings"], figures["satisfiedRatings"]) == (3, 2)
    assert figures["satisfactionRate"] == 2 / 3
    assert _counts(figures["ordersByStatus"], "status") == {
        "RATED": 3,
        "SUBMITTED": 1,
        "CANCELLED": 1,
    }
    assert _counts(figures["organizationsByCategory"], "category") == {"COMMUNITY": 2}
    assert _counts(figures["stationsByKind"], "kind") == {"LEI_FENG_POST": 2}


async def test_a_later_moment_counts_the_later_rows() -> None:
    await city_fixture()

    # 2025-01-01 12:00 in Huizhou, given without an offset
    figures = await _statistics(as_of=datetime(2025, 1, 1, 12, 0))

    assert figures["asOf"] == "2025-01-01T04:00:00+00:00"
    assert figures["periodStart"] == "2024-01-01T04:00:00+00:00"
    # E now registered; a year earlier only A, B, D(left), F, H
    assert figures["registeredVolunteers"] == 7
    assert figures["registeredVolunteersAYearAgo"] == 4
    # A 3.50, C 1.75, F 3.00, G 0.50
    assert figures["participatingVolunteers"] == 4
    assert Decimal(figures["confirmedHours"]) == Decimal("8.75")
    # 5, 4, 2, 1, 5: ratings before 2024-01-01 12:00 Huizhou time have left the period
    assert (figures["ratings"], figures["satisfiedRatings"]) == (5, 3)
    assert figures["organizations"] == 4
    assert figures["stations"] == 4


async def test_records_of_volunteers_not_counted_are_left_out_in_city_and_district() -> None:
    """The service figures leave out, by id, whoever is not counted as registered at asOf:
    any status but ACTIVE, or registered later (a record from before registration, as a
    data-entry slip would make)."""
    await city_fixture()
    given = Fixture()
    given.sequence = 100
    await given.volunteer("S", "HUICHENG", at("2020-01-01T00:00"), VolunteerStatus.SUSPENDED)
    await given.volunteer("L", "HUIYANG", at("2024-12-01T00:00"), VolunteerStatus.ACTIVE)
    await given.record("S", at("2024-05-01T00:00"), "9.00", RecordStatus.CONFIRMED)
    await given.record("L", at("2024-05-01T00:00"), "8.00", RecordStatus.CONFIRMED)

    city = await _statistics()
    huicheng = await _statistics(await _district_id("HUICHENG"))
    huiyang = await _statistics(await _district_id("HUIYANG"))

    # The same figures as without S and L (see the hand counts above).
    assert (city["participatingVolunteers"], Decimal(city["confirmedHours"])) == (3, Decimal(7))
    assert (huicheng["participatingVolunteers"], Decimal(huicheng["confirmedHours"])) == (
        1,
        Decimal("3.5"),
    )
    assert (huiyang["participatingVolunteers"], Decimal(huiyang["confirmedHours"])) == (
        2,
        Decimal("3.5"),
    )
    # Once L is registered, L's record counts for 惠阳区 and the city.
    later = await _statistics(as_of=datetime(2025, 1, 1, 12, 0))
    assert (later["participatingVolunteers"], Decimal(later["confirmedHours"])) == (
        5,
        Decimal("16.75"),
    )


async def test_an_empty_city_has_no_rates_rather_than_zero_rates() -> None:
    figures = await _statistics()

    assert figures["registeredVolunteers"] == 0
    assert figures["volunteerShare"] == 0.0
    for rate in ("growthRate", "participationRate", "hoursPerVolunteer", "satisfactionRate"):
        assert figures[rate] is None
    assert Decimal(figures["confirmedHours"]) == 0
    assert figures["orders"] == figures["organizations"] == figures["stations"] == 0


async def test_the_statement_count_does_not_grow_with_the_data() -> None:
    with count_statements() as empty:
        await statistics.city_statistics(None, AS_OF)
    await city_fixture()
    district_id = (await District.get(code="HUICHENG")).id

    with count_statements() as city:
        await statistics.city_statistics(None, AS_OF)
    with count_statements() as district:
        await statistics.city_statistics(district_id, AS_OF)

    assert len(empty.statements) == len(city.statements) == len(district.statements) == 8


async def test_a_future_moment_is_clamped_to_now() -> None:
    before = datetime.now(UTC)

    figures = await _statistics(as_of=before + timedelta(days=400))

    used = datetime.fromisoformat(figures["asOf"])
    assert before <= used <= datetime.now(UTC)


async def test_without_as_of_the_figures_are_for_now() -> None:
    before = datetime.now(UTC)

    figures = (await data_of("{ cityStatistics { asOf registeredVolunteers } }"))["cityStatistics"]

    assert before <= datetime.fromisoformat(figures["asOf"]) <= datetime.now(UTC)


async def test_an_unknown_district_is_a_coded_error() -> None:
    for district, code, field in (
        (to_base64("District", 999_999), "UNKNOWN_DISTRICT", "district"),
        (to_base64("Volunteer", 1), "NOT_FOUND", "Query.cityStatistics(district:)"),
    ):
        result = await gql(STATISTICS, {"district": district})

        assert result.data is None
        assert error_codes(result) == [code]
        assert (result.errors or [])[0].extensions["field"] == field  # type: ignore[index]


def test_the_period_is_a_calendar_year_in_huizhou() -> None:
    # 2024-02-29 10:00 in Huizhou (02:00Z) looks back to 2023-02-28 10:00 there
    assert statistics.a_year_before(at("2024-02-29T02:00")) == at("2023-02-28T02:00")
    # 2024-02-28 20:00Z is already the 29th in Huizhou: the city's calendar decides
    assert statistics.a_year_before(at("2024-02-28T20:00")) == at("2023-02-27T20:00")
    assert statistics.a_year_before(AS_OF) == PERIOD_START
