"""Historic hours in cityStatistics: their volunteers participate and their hours count, once,
beside the confirmed records of the same period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.dispatch import RecordStatus
from models.imports import ImportedHours
from models.volunteers import VolunteerStatus
from services.statistics import city_statistics
from tests.statistics.test_statistics import AS_OF, Fixture, at

pytestmark = pytest.mark.asyncio


async def _imported(given: Fixture, name: str, served_on: str, hours: str, record: str) -> None:
    await ImportedHours.create(
        volunteer=given.volunteers[name],
        source_system="zyh",
        source_record=record,
        file_name="hours.csv",
        row_number=2,
        served_on=date.fromisoformat(served_on),
        hours=Decimal(hours),
        imported_at=datetime.now(UTC),
    )


async def test_imported_hours_count_once_in_participation_and_hours() -> None:
    given = Fixture()
    for name, code in (("甲", "HUICHENG"), ("乙", "HUICHENG"), ("丙", "HUIYANG")):
        await given.volunteer(name, code, at("2020-01-01T00:00"), VolunteerStatus.ACTIVE)
    await given.volunteer("丁", "HUICHENG", at("2020-01-01T00:00"), VolunteerStatus.LEFT)
    await given.record("甲", at("2024-01-10T10:00"), "4", RecordStatus.CONFIRMED)
    await _imported(given, "甲", "2024-02-01", "3", "R-1")  # also has a record: one volunteer
    await _imported(given, "乙", "2024-03-01", "2.5", "R-2")
    await _imported(given, "丙", "2022-03-01", "8", "R-3")  # before the period
    await _imported(given, "丁", "2024-03-01", "5", "R-4")  # not counted as registered

    city = await city_statistics(as_of=AS_OF)

    assert (city.participating, city.confirmed_hours) == (2, Decimal("9.50"))
    huiyang = await city_statistics((await given.district("HUIYANG")).id, as_of=AS_OF)
    assert (huiyang.participating, huiyang.confirmed_hours) == (0, Decimal("0.00"))
