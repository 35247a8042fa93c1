"""Who belongs to which organisation, from an earlier registry: a volunteer by ID number, an
organisation by name, both imported (or registered) first. Memberships arrive approved."""

from __future__ import annotations

from datetime import UTC, datetime, time

from tortoise.backends.base.client import BaseDBAsyncClient

from models.organizations import Membership, MembershipRole, MembershipStatus, Organization
from models.volunteers import Volunteer
from services.common.identity import id_number_hash, parse_id_number
from services.imports.errors import ImportErrorCode
from services.imports.rows import Checked, insert_sql
from services.organizations.errors import OrganizationErrorCode
from services.volunteers.errors import VolunteerErrorCode

ROLES = {
    "": MembershipRole.MEMBER,
    "member": MembershipRole.MEMBER,
    "成员": MembershipRole.MEMBER,
    "admin": MembershipRole.ADMIN,
    "管理员": MembershipRole.ADMIN,
}
INSERT_COLUMNS = (
    "volunteer_id",
    "organization_id",
    "role",
    "status",
    "message",
    "applied_at",
    "decided_at",
    "decision_note",
)


class Memberships:
    required: tuple[str, ...] = ("id_number", "organization")
    optional: tuple[str, ...] = ("role", "joined_on")

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], int] = {}
        self.now = datetime.now(UTC)

    async def prepare(self) -> None:
        return None

    def check(self, row: Checked) -> None:
        for column in self.required:
            row.required(column)
        raw_id = row.values.get("id_number", "")
        parsed = parse_id_number(raw_id) if raw_id else None
        if raw_id and parsed is None:
            row.problem(
                "id_number",
                VolunteerErrorCode.INVALID_ID_NUMBER,
                "Not a valid 18-character resident ID number.",
            )
        role = ROLES.get(row.values.get("role", "").strip().lower())
        if role is None:
            row.problem("role", ImportErrorCode.INVALID_VALUE, "Give MEMBER or ADMIN.")
        joined = row.optional_date("joined_on", self.now.date())
        if row.problems or parsed is None or role is None:
            return
        digest = id_number_hash(parsed.normalised)
        organization = row.values["organization"].strip()
        first = self.seen.setdefault((int(digest[:16], 16), organization), row.number)
        if first != row.number:
            row.problem(
                "organization",
                ImportErrorCode.DUPLICATE_IN_FILE,
                f"The same volunteer and organisation as row {first}.",
            )
            return
        when = datetime.combine(joined, time(), tzinfo=UTC) if joined else self.now
        row.parsed = {"hash": digest, "organization": organization, "role": role, "at": when}

    async def settle(self, rows: list[Checked]) -> int:
        volunteers = dict(
            await Volunteer.filter(
                id_number_hash__in=list({row.parsed["hash"] for row in rows})
            ).values_list("id_number_hash", "id")
        )
        organizations = dict(
            await Organization.filter(
                name__in=list({row.parsed["organization"] for row in rows})
            ).values_list("name", "id")
        )
        for row in rows:
            volunteer_id = volunteers.get(row.parsed["hash"])
            organization_id = organizations.get(row.parsed["organization"])
            if volunteer_id is None:
                row.problem(
                    "id_number",
                    VolunteerErrorCode.VOLUNTEER_NOT_FOUND,
                    "No volunteer with this ID number: import the volunteers first.",
                )
            if organization_id is None:
                row.problem(
                    "organization",
                    OrganizationErrorCode.ORGANIZATION_NOT_FOUND,
                    "No organisation of this name: import the organisations first.",
                )
            row.parsed.update(volunteer_id=volunteer_id, organization_id=organization_id)
        candidates = [row for row in rows if not row.problems]
        existing = set(
            await Membership.filter(
                volunteer_id__in=list({row.parsed["volunteer_id"] for row in candidates}),
                organization_id__in=list({row.parsed["organization_id"] for row in candidates}),
            ).values_list("volunteer_id", "organization_id")
        )
        present = 0
        for row in candidates:
            if (row.parsed["volunteer_id"], row.parsed["organization_id"]) in existing:
                row.parsed = None
                present += 1
        return present

    async def write(self, connection: BaseDBAsyncClient, rows: list[Checked]) -> int:
        sql = insert_sql(connection, "membership", INSERT_COLUMNS)
        values = [
            [
                row.parsed["volunteer_id"],
                row.parsed["organization_id"],
                row.parsed["role"].value,
                MembershipStatus.APPROVED.value,
                "",
                row.parsed["at"],
                row.parsed["at"],
                "imported",
            ]
            for row in rows
        ]
        await connection.execute_many(sql, values)
        return len(rows)

    async def finish(self) -> None:
        return None
