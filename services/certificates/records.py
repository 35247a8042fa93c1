"""Which confirmed service an organisation recorded: the records of orders it was given, of
assignments made to it, or of its activities. Only that organisation certifies them ("whoever
records, certifies")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.dispatch import RecordStatus, ServiceRecord

CITY_ZONE = ZoneInfo("Asia/Shanghai")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's dates, both included, as an instant range in the city's zone, given in
    UTC: SQLite compares the stored text, which is always written in UTC."""
    return (
        datetime.combine(start, time(), CITY_ZONE).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time(), CITY_ZONE).astimezone(UTC),
    )


def confirmed_in_period(volunteer_id: int, start: date, end: date) -> QuerySet[ServiceRecord]:
    since, until = period_bounds(start, end)
    return ServiceRecord.filter(
        volunteer_id=volunteer_id,
        status=RecordStatus.CONFIRMED,
        ended_at__gte=since,
        ended_at__lt=until,
    )


def recorded_by(organization_id: int) -> Q:
    return (
        Q(order__organization_id=organization_id)
        | Q(assignment__organization_id=organization_id)
        | Q(organization_id=organization_id)
    )


async def recording_organizations(volunteer_id: int, start: date, end: date) -> list[int]:
    """Every organisation that recorded some of the volunteer's confirmed service in the period."""
    rows = await confirmed_in_period(volunteer_id, start, end).values_list(
        "order__organization_id", "assignment__organization_id", "organization_id"
    )
    return sorted({int(o) for row in rows for o in row if o is not None})


async def records_of(
    volunteer_id: int, organization_id: int, start: date, end: date
) -> list[ServiceRecord]:
    query = confirmed_in_period(volunteer_id, start, end).filter(recorded_by(organization_id))
    return await query.select_related("order", "sign_up__activity").order_by("ended_at", "id")


def category_of(record: ServiceRecord) -> str:
    """What kind of service the record was: its order's category, or its activity's."""
    if record.order is not None:
        return record.order.category.value
    assert record.sign_up is not None
    return record.sign_up.activity.category.value


def total_hours(records: list[ServiceRecord]) -> Decimal:
    return sum((r.hours for r in records), Decimal("0"))
