"""Organisations from an earlier registry, keyed by their name (unique in the registry). They
come from the city's own records, so they arrive verified, as an administrator's do."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from models.organizations import Organization, OrganizationCategory
from services.common.errors import Collector
from services.geography import default_reference
from services.imports.errors import ImportErrorCode
from services.imports.rows import Checked, Places, insert_sql
from services.organizations import check_details
from services.organizations.errors import OrganizationErrorCode

COLUMNS = {"name": "name", "contactPhone": "contact_phone"}
INSERT_COLUMNS = (
    "name",
    "category",
    "district_id",
    "verified",
    "description",
    "contact_name",
    "contact_phone",
    "created_at",
)


class Organizations:
    required: tuple[str, ...] = ("name", "category", "district")
    optional: tuple[str, ...] = ("description", "contact_name", "contact_phone")

    def __init__(self) -> None:
        self.places = Places()
        self.categories: dict[str, OrganizationCategory] = {}
        self.seen: dict[str, int] = {}
        self.now = datetime.now(UTC)

    async def prepare(self) -> None:
        await self.places.load()
        self.categories = {c.value.lower(): c for c in OrganizationCategory}
        for entry in default_reference().organization_categories:
            self.categories[entry.name_zh] = entry.code

    def check(self, row: Checked) -> None:
        values = row.values
        for column in self.required:
            row.required(column)
        collector = Collector()
        name, phone = check_details(
            values.get("name", ""), values.get("contact_phone", ""), collector
        )
        row.take(collector, COLUMNS)
        category = self.categories.get(values.get("category", "").strip().lower())
        if values.get("category") and category is None:
            row.problem(
                "category",
                ImportErrorCode.UNKNOWN_CATEGORY,
                "Give one of the 18 category codes (e.g. COMMUNITY) or its Chinese name.",
            )
        district_id = (
            self.places.district(values.get("district", "")) if values.get("district") else None
        )
        if values.get("district") and district_id is None:
            row.problem("district", OrganizationErrorCode.UNKNOWN_DISTRICT, "No such district.")
        if row.problems or category is None or district_id is None:
            return
        first = self.seen.setdefault(name, row.number)
        if first != row.number:
            row.problem("name", ImportErrorCode.DUPLICATE_IN_FILE, f"The same name as row {first}.")
            return
        row.parsed = [
            name,
            category.value,
            district_id,
            True,
            values.get("description", "").strip()[:4000],
            values.get("contact_name", "").strip()[:64],
            phone,
            self.now,
        ]

    async def settle(self, rows: list[Checked]) -> int:
        by_name = {row.parsed[0]: row for row in rows}
        present = 0
        for name, district_id in await Organization.filter(name__in=list(by_name)).values_list(
            "name", "district_id"
        ):
            row = by_name[str(name)]
            if district_id == row.parsed[2]:
                row.parsed = None
                present += 1
            else:
                row.problem(
                    "name",
                    OrganizationErrorCode.DUPLICATE_NAME,
                    "An organisation with this name already exists, in another district.",
                )
        return present

    async def write(self, connection: BaseDBAsyncClient, rows: list[Checked]) -> int:
        sql = insert_sql(connection, "organization", INSERT_COLUMNS)
        await connection.execute_many(sql, [row.parsed for row in rows])
        return len(rows)

    async def finish(self) -> None:
        return None
