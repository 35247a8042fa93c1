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
_DISTINCT = (
    "SELECT COUNT(DISTINCT volunteer_id), SUM(CAST(hours AS NUMERIC)), {imported} FROM {records}"
)
_GROUPED = """
SELECT COUNT(*), SUM(hours), {imported} FROM (
    SELECT volunteer_id, SUM(CAST(hours AS NUMERIC)) AS hours FROM {records}
    GROUP BY volunteer_id
) AS per_volunteer"""


# Historic hours brought by an import (models/imports.py) count too, each once: their
# volunteers, their hours, and how many of those volunteers also have records (counted once in
# the union). Scalar subqueries beside the aggregate, so that its plan over the records stays
# as it is and the figure stays one statement; they are driven by the imported rows of the
# period (none in a city that imported none) through the (volunteer_id, served_on) index.
_IMPORTED = """
imported_hours i WHERE i.served_on > ? AND i.served_on <= ?{district}
    AND i.volunteer_id NOT IN (
        SELECT id FROM volunteer WHERE status IN ({not_active}) OR registered_at > ?
    )"""
_IMPORTED_DISTRICT = " AND i.volunteer_id IN (SELECT id FROM volunteer WHERE district_id = ?)"
_IMPORTED_FIGURES = """(SELECT COUNT(DISTINCT i.volunteer_id) FROM {imported}),
    (SELECT SUM(CAST(i.hours AS NUMERIC)) FROM {imported}),
    (SELECT COUNT(DISTINCT i.volunteer_id) FROM {imported} AND EXISTS (
        SELECT 1 FROM service_record r WHERE r.volunteer_id = i.volunteer_id AND r.status = ?
        AND r.ended_at > ? AND r.ended_at <= ?
    ))"""


def _placeholders(sql: str, dialect: str) -> str:
    """`?` as SQLite takes it, `$1, $2, ...` for PostgreSQL (asyncpg)."""
    if dialect != "postgres":
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))


async def participation(
    district_id: int | None, as_of: datetime, start: datetime
) -> tuple[int, Decimal]:
    """Confirmed records that ended in the period and historic hours imported for it, of the
    volunteers counted as registered: how many volunteers they are, and their hours. Raw SQL:
    Tortoise can neither aggregate over a grouped subquery nor choose the form per database,
    and its IN-subquery of every counted volunteer made each participant a look-up
    (bench/statistics.py times both)."""
    district = [] if district_id is None else [district_id]
    not_active = ", ".join("?" for _ in _NOT_ACTIVE)
    imported_values = [start.date(), as_of.date(), *district, *_NOT_ACTIVE, as_of]
    confirmed = [RecordStatus.CONFIRMED.value, start, as_of]
    values: list[Any] = [
        *imported_values,
        *imported_values,
        *imported_values,
        *confirmed,
        *confirmed,
        *district,
        *_NOT_ACTIVE,
        as_of,
    ]
    records = _RECORDS.format(
        district="" if district_id is None else _DISTRICT, not_active=not_active
    )
    imported = _IMPORTED.format(
        district="" if district_id is None else _IMPORTED_DISTRICT, not_active=not_active
    )
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    template = _DISTINCT if dialect == "postgres" else _GROUPED
    sql = template.format(records=records, imported=_IMPORTED_FIGURES.format(imported=imported))
    _, rows = await connection.execute_query(_placeholders(sql, dialect), values)
    volunteers, hours, imported_volunteers, imported_hours, both = rows[0]
    return (
        int(volunteers or 0) + int(imported_volunteers or 0) - int(both or 0),
        _as_hours(hours) + _as_hours(imported_hours),
    )
