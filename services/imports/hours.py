"""Historic confirmed service hours from an earlier system. Each is keyed by (source system,
that system's record id) and keeps the file and row it came from; its hours join the
volunteer's confirmed total (and so the star level) in the transaction that stores it, once:
a record seen before is recognised by its key and adds nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from tortoise.backends.base.client import BaseDBAsyncClient

from models.imports import ImportedHours
from models.organizations import Organization
from models.volunteers import Volunteer
from services.common.identity import id_number_hash, parse_id_number
from services.imports.errors import ImportErrorCode
from services.imports.rows import Checked, insert_sql
from services.organizations.errors import OrganizationErrorCode
from services.rewards import levels
from services.volunteers.errors import VolunteerErrorCode

# A day's service at most in one record: more is a typing error in the old system.
MAX_HOURS = Decimal(24)
_CENT = Decimal("0.01")
INSERT_COLUMNS = (
    "volunteer_id",
    "organization_id",
    "source_system",
    "source_record",
    "file_name",
    "row_number",
    "served_on",
    "hours",
    "description",
    "imported_at",
)


class Hours:
    required: tuple[str, ...] = ("record_id", "id_number", "served_on", "hours")
    optional: tuple[str, ...] = ("organization", "description")

    def __init__(self, source_system: str, file_name: str) -> None:
        self.source_system = source_system
        self.file_name = file_name[:255]
        self.seen: dict[str, int] = {}
        self.now = datetime.now(UTC)

    async def prepare(self) -> None:
        return None

    def check(self, row: Checked) -> None:
        for column in self.required:
            row.required(column)
        record = row.values.get("record_id", "").strip()
        if len(record) > 64:
            row.problem("record_id", ImportErrorCode.INVALID_VALUE, "At most 64 characters.")
        raw_id = row.values.get("id_number", "")
        parsed = parse_id_number(raw_id) if raw_id else None
        if raw_id and parsed is None:
            row.problem(
                "id_number",
                VolunteerErrorCode.INVALID_ID_NUMBER,
                "Not a valid 18-character resident ID number.",
            )
        served_on = row.optional_date("served_on", self.now.date())
        hours = None
        if row.values.get("hours"):
            try:
                hours = Decimal(row.values["hours"].strip()).quantize(_CENT)
            except InvalidOperation:
                hours = None
            if hours is None or not Decimal(0) < hours <= MAX_HOURS:
                row.problem(
                    "hours",
                    ImportErrorCode.INVALID_HOURS,
                    f"Give the hours as a number above 0 and at most {MAX_HOURS}.",
                )
                hours = None
        if row.problems or parsed is None or served_on is None or hours is None:
            return
        first = self.seen.setdefault(record, row.number)
        if first != row.number:
            row.problem(
                "record_id", ImportErrorCode.DUPLICATE_IN_FILE, f"The same record as row {first}."
            )
            return
        row.parsed = {
            "record": record,
            "hash": id_number_hash(parsed.normalised),
            "served_on": served_on,
            "hours": hours,
            "organization": row.values.get("organization", "").strip(),
            "description": row.values.get("description", "").strip()[:200],
        }

    async def settle(self, rows: list[Checked]) -> int:
        volunteers = dict(
            await Volunteer.filter(
                id_number_hash__in=list({row.parsed["hash"] for row in rows})
            ).values_list("id_number_hash", "id")
        )
        names = list({row.parsed["organization"] for row in rows} - {""})
        organizations = dict(
            await Organization.filter(name__in=names).values_list("name", "id") if names else []
        )
        existing = {
            record: (volunteer_id, Decimal(str(hours)).quantize(_CENT))
            for record, volunteer_id, hours in await ImportedHours.filter(
                source_system=self.source_system,
                source_record__in=[row.parsed["record"] for row in rows],
            ).values_list("source_record", "volunteer_id", "hours")
        }
        present = 0
        for row in rows:
            volunteer_id = volunteers.get(row.parsed["hash"])
            if volunteer_id is None:
                row.problem(
                    "id_number",
                    VolunteerErrorCode.VOLUNTEER_NOT_FOUND,
                    "No volunteer with this ID number: import the volunteers first.",
                )
                continue
            organization = row.parsed["organization"]
            if organization and organization not in organizations:
                row.problem(
                    "organization",
                    OrganizationErrorCode.ORGANIZATION_NOT_FOUND,
                    "No organisation of this name.",
                )
                continue
            known = existing.get(row.parsed["record"])
            if known == (volunteer_id, row.parsed["hours"]):
                row.parsed = None
                present += 1
            elif known is not None:
                row.problem(
                    "record_id",
                    ImportErrorCode.DUPLICATE_RECORD,
                    "This record was imported before with another volunteer or other hours.",
                )
            else:
                row.parsed.update(
                    volunteer_id=volunteer_id,
                    organization_id=organizations.get(organization),
                )
        return present

    async def write(self, connection: BaseDBAsyncClient, rows: list[Checked]) -> int:
        # No ON CONFLICT here: a record another run stored meanwhile fails the batch's
        # transaction instead of adding its hours to the total a second time.
        sql = insert_sql(connection, "imported_hours", INSERT_COLUMNS, skip_existing=False)
        await connection.execute_many(
            sql,
            [
                [
                    row.parsed["volunteer_id"],
                    row.parsed["organization_id"],
                    self.source_system,
                    row.parsed["record"],
                    self.file_name,
                    row.number,
                    row.parsed["served_on"],
                    row.parsed["hours"],
                    row.parsed["description"],
                    self.now,
                ]
                for row in rows
            ],
        )
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for row in rows:
            totals[row.parsed["volunteer_id"]] += row.parsed["hours"]
        update = (
            "UPDATE volunteer SET total_hours = total_hours + $1, updated_at = $2 WHERE id = $3"
            if connection.capabilities.dialect == "postgres"
            else "UPDATE volunteer SET total_hours = total_hours + ?, updated_at = ? WHERE id = ?"
        )
        await connection.execute_many(
            update, [[hours, self.now, volunteer_id] for volunteer_id, hours in totals.items()]
        )
        return len(rows)

    async def finish(self) -> None:
        # The levels the imported hours reached, dated as backfilled: when they were reached
        # in the earlier system is not known, and is not invented.
        await levels.backfill()
