"""cityStatistics' participation and hours: the confirmed records that ended in a period, of
the volunteers counted as registered at its end, as one SQL aggregate. The costliest figure
(every participant of a year), so it has a module, and raw SQL, of its own."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise import connections

from models.dispatch import RecordStatus
from models.volunteers import VolunteerStatus

_CENT = Decimal("0.01")


def _as_hours(value: Any) -> Decimal:
    # PostgreSQL sums NUMERIC exactly; SQLite (Decimal stored as text) sums as a float.
    return Decimal(str(value or 0)).quantize(_CENT)


# Who is not counted as registered at a moment: any status but ACTIVE, or registered later.
# Few, and found by index, so the aggregates below leave them out by id.
_NOT_COUNTED = "SELECT id FROM volunteer WHERE status IN ({statuses}) OR registered_at > ?"
_NOT_ACTIVE = [s.value for s in VolunteerStatus if s != VolunteerStatus.ACTIVE]
# The city: grouped per volunteer, which walks the (status, volunteer_id, ended_at, hours)
# index in volunteer order, instead of a COUNT(DISTINCT) that sorts every participant.
_CITY_SERVICE = """
SELECT COUNT(*), SUM(hours) FROM (
    SELECT volunteer_id, SUM(CAST(hours AS NUMERIC)) AS hours FROM service_record
    WHERE status = ? AND ended_at > ? AND ended_at <= ? AND volunteer_id NOT IN ({not_counted})
    GROUP BY volunteer_id
) AS per_volunteer"""
# A district: its volunteers' ids come from the (district_id, id) index alone.
_DISTRICT_SERVICE = """
SELECT COUNT(DISTINCT volunteer_id), SUM(CAST(hours AS NUMERIC)) FROM service_record
WHERE status = ? AND ended_at > ? AND ended_at <= ?
    AND volunteer_id IN (SELECT id FROM volunteer WHERE district_id = ?)
    AND volunteer_id NOT IN ({not_counted})"""


def _placeholders(sql: str, dialect: str) -> str:
    """`?` as SQLite takes it, `$1, $2, ...` for PostgreSQL (asyncpg)."""
    if dialect != "postgres":
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))


async def participation(
    district_id: int | None, as_of: datetime, start: datetime
) -> tuple[int, Decimal]:
    """Confirmed records that ended in the period, of the volunteers counted as registered:
    how many volunteers they are, and their hours. Raw SQL: Tortoise cannot aggregate over a
    grouped subquery, and its IN-subquery of every counted volunteer made each participant a
    look-up (4x slower for the city on SQLite, 2x on PostgreSQL: bench/statistics.py)."""
    not_counted = _NOT_COUNTED.format(statuses=", ".join("?" for _ in _NOT_ACTIVE))
    values: list[Any] = [RecordStatus.CONFIRMED.value, start, as_of]
    if district_id is None:
        template = _CITY_SERVICE
    else:
        template = _DISTRICT_SERVICE
        values.append(district_id)
    values += [*_NOT_ACTIVE, as_of]
    connection = connections.get("default")
    sql = _placeholders(template.format(not_counted=not_counted), connection.capabilities.dialect)
    _, rows = await connection.execute_query(sql, values)
    return int(rows[0][0] or 0), _as_hours(rows[0][1])
