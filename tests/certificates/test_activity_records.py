"""An activity's confirmed records are the organising organisation's to certify, like the
records of the orders it was given: found for its certificates, with the activity's category."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.certificates.records import (
    CITY_ZONE,
    category_of,
    recording_organizations,
    records_of,
)
from services.dispatch import service_records
from tests.activities.support import organiser
from tests.dispatch.test_record_queue import activity_record


async def test_an_activity_record_is_certified_by_the_organising_organisation() -> None:
    admin, organization = await organiser()
    _, other = await organiser("other-organiser")
    record = await activity_record(admin, organization, "clinic-volunteer")
    await service_records.confirm(admin, record.id)
    today = datetime.now(CITY_ZONE).date()
    start, end = today - timedelta(days=30), today
    assert await recording_organizations(record.volunteer_id, start, end) == [organization]
    found = await records_of(record.volunteer_id, organization, start, end)
    assert [r.id for r in found] == [record.id]
    assert category_of(found[0]) == "PUBLIC_HEALTH"
    assert await records_of(record.volunteer_id, other, start, end) == []
