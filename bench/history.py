"""A year of service history for the statistics benchmark. The demo seed has volunteers and
organisations at any scale but only a few dozen orders; cityStatistics aggregates orders,
ratings and service records, so timing it on that would time empty tables.

In the seed's proportions: three volunteers in four (id % 4 != 0) served once in the last 12
months (75% participation), ~29 confirmed hours per registered volunteer, nine ratings in ten
of 4 or 5 stars. Every participant gets an order in their district, a checked-out assignment
and a confirmed record, with ids of our own so that the three rows find each other without
reading anything back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from models.dispatch import DispatchCenter

BATCH = 10_000
ORDER_COLUMNS = (
    "id",
    "category",
    "description",
    "address",
    "lat",
    "lng",
    "district_id",
    "window_start",
    "window_end",
    "volunteers_needed",
    "required_skills",
    "urgency",
    "status",
    "dispatch_center_id",
    "routed_at",
    "rating",
    "rating_comment",
    "rated_at",
    "caller_name",
    "caller_phone",
    "created_at",
    "updated_at",
)
ASSIGNMENT_COLUMNS = (
    "id",
    "order_id",
    "volunteer_id",
    "status",
    "window_start",
    "window_end",
    "assigned_at",
)
RECORD_COLUMNS = (
    "id",
    "assignment_id",
    "order_id",
    "volunteer_id",
    "started_at",
    "ended_at",
    "hours",
    "status",
    "correction_note",
    "decision_note",
)


async def _insert(table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    if not rows:
        return
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        else:
            marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - constants
        await connection.execute_many(sql, rows)


async def _max_id(table: str) -> int:
    connection = connections.get("default")
    _, rows = await connection.execute_query(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608
    return int(rows[0][0] or 0)


async def seed_service_history() -> int:
    """Adds the year's orders, assignments and records; returns the records added."""
    connection = connections.get("default")
    center = await DispatchCenter.filter(parent_id=None).order_by("id").first()
    assert center is not None, "the demo seed makes the city's dispatch centre"
    _, volunteers = await connection.execute_query(
        "SELECT id, district_id FROM volunteer WHERE status = 'ACTIVE' AND id % 4 <> 0 ORDER BY id"
    )
    order_base = await _max_id("service_order")
    assignment_base = await _max_id("order_assignment")
    record_base = await _max_id("service_record")
    now = datetime.now(UTC)
    added = 0
    for start in range(0, len(volunteers), BATCH):
        orders, assignments, records = [], [], []
        for index, (volunteer_id, district_id) in enumerate(
            volunteers[start : start + BATCH], start + 1
        ):
            ended = now - timedelta(days=volunteer_id % 360 + 1, minutes=volunteer_id % 600)
            began = ended - timedelta(hours=3)
            rated = volunteer_id % 3 != 0
            rating = (5, 5, 4, 4, 5, 4, 5, 4, 5, 2)[volunteer_id % 10] if rated else None
            order_id = order_base + index
            submitted = began - timedelta(days=1)
            orders.append(
                [
                    order_id,
                    "ERRANDS",
                    "bench",
                    "bench",
                    23.08,
                    114.38,
                    district_id,
                    began,
                    ended,
                    1,
                    "",
                    "NORMAL",
                    "RATED" if rated else "COMPLETED",
                    center.id,
                    submitted,
                    rating,
                    "",
                    ended + timedelta(hours=2) if rated else None,
                    "",
                    "",
                    submitted,
                    ended,
                ]
            )
            assignment_id = assignment_base + index
            assignments.append(
                [assignment_id, order_id, volunteer_id, "CHECKED_OUT", began, ended, submitted]
            )
            # 25 to 52.5 hours: ~38.7 on average, 29 per registered volunteer at 75%
            hours = Decimal(25 + volunteer_id % 28) + Decimal("0.5") * (volunteer_id % 2)
            records.append(
                [
                    record_base + index,
                    assignment_id,
                    order_id,
                    volunteer_id,
                    began,
                    ended,
                    hours,
                    "CONFIRMED",
                    "",
                    "",
                ]
            )
        await _insert("service_order", ORDER_COLUMNS, orders)
        await _insert("order_assignment", ASSIGNMENT_COLUMNS, assignments)
        await _insert("service_record", RECORD_COLUMNS, records)
        added += len(records)
    if connection.capabilities.dialect == "postgres":
        for table in ("service_order", "order_assignment", "service_record"):
            await connection.execute_script(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"  # noqa: S608
            )
        await connection.execute_script(
            "VACUUM (ANALYZE) service_order, order_assignment, service_record"
        )
    return added
