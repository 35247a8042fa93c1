"""Volunteers from an earlier registry, keyed by the keyed hash of their ID number: a row whose
volunteer is registered already (the same ID number and name) is left as it is, so a file can be
imported again, or after an interruption, without adding anyone twice."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from models.volunteers import (
    Availability,
    Gender,
    Skill,
    Volunteer,
    VolunteerStatus,
    new_volunteer_number,
    pack_tags,
)
from services.common.errors import Collector
from services.common.identity import id_number_hash
from services.imports.errors import ImportErrorCode
from services.imports.rows import Checked, Places, insert_sql
from services.volunteers import CheckedPerson, check_location, check_person
from services.volunteers.errors import VolunteerErrorCode

ZERO = Decimal("0.00")
COLUMNS = {
    "realName": "real_name",
    "idNumber": "id_number",
    "phone": "phone",
    "birthDate": "birth_date",
    "homeLocation": "home_lat",
}
GENDERS = {
    "男": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
INSERT_COLUMNS = (
    "real_name",
    "phone",
    "id_number",
    "id_number_hash",
    "gender",
    "birth_date",
    "district_id",
    "community_id",
    "home_lat",
    "home_lng",
    "skills",
    "availability",
    "registered_at",
    "status",
    "total_hours",
    "updated_at",
    "volunteer_number",
)


class VolunteerRow:
    def __init__(self, person: CheckedPerson, values: list[object]) -> None:
        self.person = person
        self.hash = str(values[3])
        self.values = values


KNOWN_TAGS = {
    "skills": frozenset(s.value for s in Skill),
    "availability": frozenset(a.value for a in Availability),
}
ACTIVE = VolunteerStatus.ACTIVE.value


def _tags(row: Checked, column: str) -> str:
    raw = row.values.get(column, "")
    if not raw:
        return ""
    names = [part.strip().upper() for part in raw.replace(",", "|").split("|") if part.strip()]
    known = KNOWN_TAGS[column]
    unknown = [name for name in names if name not in known]
    if unknown:
        row.problem(
            column,
            ImportErrorCode.INVALID_VALUE,
            f"Unknown {column} {', '.join(unknown)}; separate known values with |.",
        )
    return pack_tags([n for n in names if n in known])


def _coordinate(row: Checked, column: str) -> float | None:
    raw = row.values.get(column, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        row.problem(column, ImportErrorCode.INVALID_VALUE, "Give a decimal number.")
        return None


class Volunteers:
    required: tuple[str, ...] = ("real_name", "id_number", "phone", "district")
    optional: tuple[str, ...] = (
        "community",
        "gender",
        "birth_date",
        "skills",
        "availability",
        "home_lat",
        "home_lng",
        "registered_on",
    )

    def __init__(self) -> None:
        self.places = Places()
        # Row number of each ID number's first row, by a 64-bit prefix of its keyed hash:
        # repeats inside the file are found without holding every hash as text.
        self.seen: dict[int, int] = {}
        self.now = datetime.now(UTC)

    async def prepare(self) -> None:
        await self.places.load()

    def check(self, row: Checked) -> None:
        collector = Collector()
        values = row.values
        for column in ("real_name", "id_number", "phone", "district"):
            row.required(column)
        born = row.optional_date("birth_date", self.now.date())
        person = check_person(
            values.get("real_name", ""),
            values.get("id_number", ""),
            values.get("phone", ""),
            born,
            collector,
        )
        lat, lng = _coordinate(row, "home_lat"), _coordinate(row, "home_lng")
        check_location(lat, lng, collector)
        row.take(collector, COLUMNS)
        district_id = community_id = None
        if values.get("district"):
            district_id = self.places.district(values["district"])
            if district_id is None:
                row.problem("district", VolunteerErrorCode.UNKNOWN_DISTRICT, "No such district.")
        if district_id is not None and values.get("community"):
            community_id = self.places.community(district_id, values["community"])
            if community_id is None:
                row.problem(
                    "community",
                    VolunteerErrorCode.UNKNOWN_COMMUNITY,
                    "No such community in that district.",
                )
        gender_text = values.get("gender", "").strip().lower()
        gender = GENDERS.get(gender_text)
        if gender_text and gender is None:
            row.problem("gender", ImportErrorCode.INVALID_VALUE, "Give 男/女 or MALE/FEMALE.")
        skills = _tags(row, "skills")
        availability = _tags(row, "availability")
        registered_on = row.optional_date("registered_on", self.now.date())
        if person is None or district_id is None or row.problems:
            return
        digest = id_number_hash(person.id_number.normalised)
        first = self.seen.setdefault(int(digest[:16], 16), row.number)
        if first != row.number:
            row.problem(
                "id_number",
                ImportErrorCode.DUPLICATE_IN_FILE,
                f"The same ID number as row {first}.",
            )
            return
        registered = (
            datetime.combine(registered_on, time(), tzinfo=UTC) if registered_on else self.now
        )
        row.parsed = VolunteerRow(
            person,
            [
                person.real_name,
                person.phone,
                person.id_number.normalised,
                digest,
                (gender or person.id_number.gender).value,
                person.id_number.birth_date,
                district_id,
                community_id,
                lat,
                lng,
                skills,
                availability,
                registered,
                ACTIVE,
                ZERO,
                self.now,
                new_volunteer_number(),
            ],
        )

    async def settle(self, rows: list[Checked]) -> int:
        by_hash = {row.parsed.hash: row for row in rows}
        present = 0
        for digest, name in await Volunteer.filter(id_number_hash__in=list(by_hash)).values_list(
            "id_number_hash", "real_name"
        ):
            row = by_hash[str(digest)]
            if name == row.parsed.person.real_name:
                row.parsed = None
                present += 1
            else:
                row.problem(
                    "id_number",
                    VolunteerErrorCode.DUPLICATE_ID_NUMBER,
                    "A volunteer with this ID number is already registered, under another name.",
                )
        return present

    async def write(self, connection: BaseDBAsyncClient, rows: list[Checked]) -> int:
        sql = insert_sql(connection, "volunteer", INSERT_COLUMNS)
        await connection.execute_many(sql, [row.parsed.values for row in rows])
        return len(rows)

    async def finish(self) -> None:
        return None
