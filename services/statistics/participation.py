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
# Few, and found by index, so the records are filtered by leaving them out by id; a district's
# volunteers come from the (district_id, id) index alone.
_NOT_ACTIVE = [s.value for s in VolunteerStatus if s != VolunteerStatus.ACTIVE]
_RECORDS = """
service_record WHERE status = ? AND ended_at > ? AND ended_at <= ?{district}
    AND volunteer_id NOT IN (
        SELECT id FROM volunteer WHERE status IN ({not_active}) OR registered_at > ?
    )"""
_DISTRICT = " AND volunteer_id IN (SELECT id FROM volunteer WHERE district_id = ?)"
# The distinct count, two ways. PostgreSQL sorts the integers of a COUNT(DISTINCT) in memory
# quickly (65 ms for the city), where a hash of per-volunteer NUMERIC sums spills to disk
# (290 ms). SQLite builds a temporary b-tree for a COUNT(DISTINCT) (250 ms), where grouping
# per volunteer walks the (status, volunteer_id, ended_at, hours) index in order (100 ms).
_DISTINCT = "SELECT COUNT(DISTINCT volunteer_id), SUM(CAST(hours AS NUMERIC)) FROM {records}"
_GROUPED = """
SELECT COUNT(*), SUM(hours) FROM (
    SELECT volunteer_id, SUM(CAST(hours AS NUMERIC)) AS hours FROM {records}
    GROUP BY volunteer_id
) AS per_volunteer"""


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
    how many volunteers they are, and their hours. Raw SQL: Tortoise can neither aggregate over
    a grouped subquery nor choose the form per database, and its IN-subquery of every counted
    volunteer made each participant a look-up (bench/statistics.py times both)."""
    values: list[Any] = [RecordStatus.CONFIRMED.value, start, as_of]
    if district_id is not None:
        values.append(district_id)
    values += [*_NOT_ACTIVE, as_of]
    records = _RECORDS.format(
        district="" if district_id is None else _DISTRICT,
        not_active=", ".join("?" for _ in _NOT_ACTIVE),
    )
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    template = _DISTINCT if dialect == "postgres" else _GROUPED
    _, rows = await connection.execute_query(
        _placeholders(template.format(records=records), dialect), values
    )
    return int(rows[0][0] or 0), _as_hours(rows[0][1])
