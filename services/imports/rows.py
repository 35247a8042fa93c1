"""What every kind of import shares: a row's checks as problems per column, the reference data
rows are matched against, and plain inserts that skip a row whose key already exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from models.geography import Community, District
from services.common.errors import Collector
from services.imports.errors import ImportErrorCode
from services.imports.report import RowProblem
from services.imports.tables import Row

EARLIEST = date(1949, 10, 1)


@dataclass
class Checked:
    """A row under check: its problems so far and what its values became."""

    number: int
    values: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)
    parsed: Any = None

    def problem(self, column: str, code: Enum, message: str) -> None:
        self.problems.append(RowProblem(column, code, message))

    def take(self, collector: Collector, columns: dict[str, str]) -> None:
        """A domain check's problems, its API field names turned into this file's columns."""
        for item in collector.problems:
            column = columns.get(item.field or "", item.field or "")
            self.problem(column, item.code, item.message)

    def required(self, column: str) -> str:
        value = self.values.get(column, "").strip()
        if not value:
            self.problem(column, ImportErrorCode.MISSING_VALUE, "This column needs a value.")
        return value

    def optional_date(self, column: str, latest: date) -> date | None:
        raw = self.values.get(column, "").strip()
        if not raw:
            return None
        try:
            value = date.fromisoformat(raw[:10].replace("/", "-"))
        except ValueError:
            self.problem(column, ImportErrorCode.INVALID_DATE, "Give a date as YYYY-MM-DD.")
            return None
        if not EARLIEST <= value <= latest:
            self.problem(
                column,
                ImportErrorCode.INVALID_DATE,
                f"Give a date from {EARLIEST.isoformat()} to {latest.isoformat()}.",
            )
            return None
        return value


class Kind(Protocol):
    """One kind of import: its columns, the checks of one row alone, and a batch's checks
    against the database and its writing."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    async def prepare(self) -> None: ...

    def check(self, row: Checked) -> None: ...

    async def settle(self, rows: list[Checked]) -> int:
        """Sets the problems only the database can tell; returns how many rows are there
        already (and so are neither added nor refused)."""

    async def write(self, connection: BaseDBAsyncClient, rows: list[Checked]) -> int: ...

    async def finish(self) -> None: ...


def checked(rows: Sequence[Row]) -> list[Checked]:
    return [Checked(number, values) for number, values in rows]


class Places:
    """Districts by code, official division code, Chinese or English name; their communities by
    name (or division code) within the district. The reference data is small: read once."""

    def __init__(self) -> None:
        self.districts: dict[str, int] = {}
        self.communities: dict[tuple[int, str], int] = {}

    async def load(self) -> None:
        for district in await District.all():
            for key in (district.code, district.division_code, district.name, district.name_en):
                if key:
                    self.districts[key.strip().lower()] = district.id
        for community in await Community.all():
            for key in (community.name, community.division_code):
                if key:
                    self.communities[(community.district_id, key.strip().lower())] = community.id

    def district(self, value: str) -> int | None:
        return self.districts.get(value.strip().lower())

    def community(self, district_id: int, value: str) -> int | None:
        return self.communities.get((district_id, value.strip().lower()))


def insert_sql(
    connection: BaseDBAsyncClient, table: str, columns: Sequence[str], skip_existing: bool = True
) -> str:
    """An INSERT for `execute_many` that leaves out a row whose unique key exists (both
    databases: `ON CONFLICT DO NOTHING`), so that two runs at once never add a row twice."""
    if connection.capabilities.dialect == "postgres":
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    else:
        marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - our constants
    return sql + " ON CONFLICT DO NOTHING" if skip_existing else sql
