"""civicIssueStatistics and the civic part of cityStatistics against a fixture counted by hand.

The fixture (March 2026 unless said, Huicheng, LITTERING unless said; deadlines are long past
or far ahead of the real clock):

 #  state now           filed  fix stands  rectify s  reopened  overdue
 1  REPORTED            -      -           -          -         -
 2  NOT_FILED           -      -           -          -         -
 3  DUPLICATE           -      -           -          -         -
 4  FILED               yes    -           -          -         yes (deadline past)
 5  DISPATCHED          yes    -           -          -         - (deadline ahead)
 6  RECTIFYING          yes    -           -          -         yes
 7  RECTIFIED           yes    yes         3600       -         -
 8  VERIFIED            yes    yes         7200       -         -
 9  VERIFIED            yes    yes         36000      yes       -
10  DISPATCHED          yes    - (reopened fix)       yes       yes
11  CLOSED_UNRESOLVED   yes    - (a closure is no fix) -        -
12  VERIFIED, reported in February                86400
13  VERIFIED, in Huiyang                          100
14  RECTIFIED, category NOISE                     18000

Huicheng, LITTERING, March: reported 11, filed 8, not filed 1, duplicates 1, rectified 3
(7, 8, 9), verified 2, reopened 2, closed unresolved 1, overdue 3 (4, 6, 10); rate 3/8 = 0.375;
median of 3600, 7200, 36000 = 7200 s = 2 h. Without the category: 12 reported, 9 filed, 4
rectified, median of 3600, 7200, 18000, 36000 = (7200 + 18000) / 2 = 12600 s = 3.5 h."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from strawberry import relay

from models.civic import CivicCategory, CivicIssue, CivicStatus
from models.dispatch import CenterLevel, DispatchCenter
from models.geography import District
from services import statistics
from services.civic import statistics as civic_statistics
from services.civic.catalogue import ensure_categories
from tests.support import count_statements, data_of, gql

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
APRIL = datetime(2026, 4, 1, tzinfo=UTC)
PAST = datetime(2026, 3, 20, tzinfo=UTC)
AHEAD = datetime.now(UTC) + timedelta(days=3650)
STATISTICS = """query ($filter: CivicIssueStatisticsFilter) {
  civicIssueStatistics(filter: $filter) {
    reported filed notFiled duplicates rectified verified reopened closedUnresolved overdue
    rectificationRate medianHoursToRectify
  }
}"""
CITY = """query ($district: ID, $asOf: DateTime) {
  cityStatistics(district: $district, asOf: $asOf) {
    civicIssuesFiled civicIssuesRectified civicIssueRectificationRate
  }
}"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def fixture() -> dict[str, int]:
    await ensure_categories()
    huicheng = await District.get(code="HUICHENG")
    huiyang = await District.get(code="HUIYANG")
    littering = await CivicCategory.get(code="LITTERING")
    noise = await CivicCategory.get(code="NOISE")
    center = await DispatchCenter.create(name="惠州市调度中心", level=CenterLevel.CITY)
    rows: list[tuple[CivicStatus, int, dict[str, Any]]] = [
        (CivicStatus.REPORTED, 2, {}),
        (CivicStatus.NOT_FILED, 3, {}),
        (CivicStatus.DUPLICATE, 4, {}),
        (CivicStatus.FILED, 5, {"deadline": PAST}),
        (CivicStatus.DISPATCHED, 6, {"deadline": AHEAD}),
        (CivicStatus.RECTIFYING, 7, {"deadline": PAST}),
        (CivicStatus.RECTIFIED, 8, {"rectify_seconds": 3600}),
        (CivicStatus.VERIFIED, 9, {"rectify_seconds": 7200}),
        (CivicStatus.VERIFIED, 10, {"rectify_seconds": 36000, "reopen_count": 1}),
        (CivicStatus.DISPATCHED, 11, {"deadline": PAST, "reopen_count": 1}),
        (CivicStatus.CLOSED_UNRESOLVED, 12, {"deadline": PAST}),
        (CivicStatus.VERIFIED, -14, {"rectify_seconds": 86400}),
        (CivicStatus.VERIFIED, 13, {"rectify_seconds": 100, "district_id": huiyang.id}),
        (CivicStatus.RECTIFIED, 14, {"rectify_seconds": 18000, "category_id": noise.id}),
    ]
    for index, (status, day, extra) in enumerate(rows):
        reported = MARCH + timedelta(days=day - 1) if day > 0 else MARCH + timedelta(days=day)
        filed = status not in (CivicStatus.REPORTED, CivicStatus.NOT_FILED, CivicStatus.DUPLICATE)
        values: dict[str, Any] = {
            "token": f"S{index:011d}",
            "category_id": littering.id,
            "description": "fixture",
            "lat": 23.08,
            "lng": 114.38,
            "address": "fixture",
            "district_id": huicheng.id,
            "dispatch_center_id": center.id,
            "status": status,
            "reported_at": reported,
            "updated_at": reported,
            "filed_at": reported + timedelta(hours=1) if filed else None,
            "deadline": reported + timedelta(days=2) if filed else None,
        }
        values.update(extra)
        if values.get("rectify_seconds") is not None:
            values["rectified_at"] = values["filed_at"] + timedelta(
                seconds=values["rectify_seconds"]
            )
        await CivicIssue.create(**values)
    return {"huicheng": huicheng.id, "littering": littering.id}


async def test_the_figures_match_the_hand_count() -> None:
    ids = await fixture()
    criteria = civic_statistics.CivicFilter(
        district_id=ids["huicheng"],
        category_id=ids["littering"],
        reported_from=MARCH,
        reported_to=APRIL,
    )

    with count_statements() as counter:
        figures = await civic_statistics.civic_statistics(criteria)

    assert figures == civic_statistics.CivicStatistics(
        reported=11,
        filed=8,
        not_filed=1,
        duplicates=1,
        rectified=3,
        verified=2,
        reopened=2,
        closed_unresolved=1,
        overdue=3,
        median_seconds_to_rectify=7200.0,
    )
    assert figures.rectification_rate == 0.375
    assert len(counter.statements) == 2


async def test_through_graphql_with_an_even_count_and_no_category() -> None:
    ids = await fixture()
    variables = {
        "filter": {
            "district": gid("District", ids["huicheng"]),
            "from": MARCH.isoformat(),
            "to": APRIL.isoformat(),
        }
    }

    figures = (await data_of(STATISTICS, variables))["civicIssueStatistics"]

    assert (figures["reported"], figures["filed"], figures["rectified"]) == (12, 9, 4)
    assert figures["rectificationRate"] == 4 / 9
    assert figures["medianHoursToRectify"] == 3.5


async def test_the_whole_city_and_an_empty_period() -> None:
    await fixture()
    city = (await data_of(STATISTICS))["civicIssueStatistics"]
    assert (city["reported"], city["filed"], city["rectified"], city["verified"]) == (14, 11, 6, 4)
    assert city["medianHoursToRectify"] == 3.5  # (7200 + 18000) / 2 of six

    nothing = (await data_of(STATISTICS, {"filter": {"from": "2030-01-01T00:00:00+00:00"}}))[
        "civicIssueStatistics"
    ]
    assert nothing["reported"] == 0
    assert nothing["rectificationRate"] is None and nothing["medianHoursToRectify"] is None


async def test_a_backward_period_is_a_coded_error() -> None:
    result = await gql(STATISTICS, {"filter": {"from": APRIL.isoformat(), "to": MARCH.isoformat()}})
    assert result.errors and result.errors[0].extensions == {
        "code": "INVALID_DATES",
        "field": "to",
        "problems": [
            {"code": "INVALID_DATES", "field": "to", "message": "`to` must be later than `from`."}
        ],
    }


async def test_city_statistics_carry_the_civic_rectification_rate() -> None:
    ids = await fixture()
    as_of = APRIL.isoformat()

    district = (await data_of(CITY, {"district": gid("District", ids["huicheng"]), "asOf": as_of}))[
        "cityStatistics"
    ]
    city = (await data_of(CITY, {"asOf": as_of}))["cityStatistics"]

    # Huicheng's 12 months to 1 April: the March issues and #12 (February): 10 filed, 5 fixed.
    assert district == {
        "civicIssuesFiled": 10,
        "civicIssuesRectified": 5,
        "civicIssueRectificationRate": 0.5,
    }
    assert (city["civicIssuesFiled"], city["civicIssuesRectified"]) == (11, 6)
    figures = await statistics.city_statistics(None, APRIL)
    assert figures.civic_rectification.value == 6 / 11
