"""Huizhou demo data: a small set to try the API with (`demo`), or the city's real volume for
benchmarks (`city`: 450,000 volunteers, 3,834 organisations). Deterministic and idempotent:
running it again adds nothing, because every row is keyed by something natural (username,
ID-number hash, organisation name) that is checked before inserting."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from stdnum import luhn
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from demo.activities import seed_activities
from demo.attendance import seed_attendance
from demo.civic import seed_civic
from demo.dispatch import seed_dispatch
from demo.rewards import seed_rewards
from demo.stations import seed_stations
from demo.timebank import seed_timebank
from models.accounts import Role, User
from models.geography import Community, District
from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
)
from models.volunteers import (
    VOLUNTEER_NUMBER_REGION,
    VOLUNTEER_NUMBER_SERIAL_DIGITS,
    Availability,
    Gender,
    Skill,
    Volunteer,
    VolunteerStatus,
    pack_tags,
)
from services.accounts import hash_password
from services.common.identity import id_number_hash, make_id_number
from services.geography import ReferenceData, bootstrap, default_reference

Progress = Callable[[str, int, int], None]
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo credential
# Rows per INSERT batch and transaction: large enough that per-statement and per-commit costs
# vanish, small enough that the progress bar moves and a batch stays a few MB.
BATCH = 10_000
_EPOCH = date(1950, 1, 1)

# Administrative-division codes (the first six digits of an ID number) per district.
REGION = {
    "HUICHENG": "441302",
    "HUIYANG": "441303",
    "HUIDONG": "441323",
    "BOLUO": "441322",
    "LONGMEN": "441324",
    "DAYAWAN": "441303",
    "ZHONGKAI": "441302",
}
SURNAMES = "陈李黄张林王刘吴杨叶罗钟何曾邓谢赖朱徐郑梁廖蔡周"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红志文晓燕辉建国海燕佳欣"
ORG_WORDS = ("志愿服务队", "志愿者协会", "爱心服务社", "志愿服务站", "义工联")


@dataclass(frozen=True)
class Scale:
    name: str
    volunteers: int
    organizations: int


SCALES = {
    "demo": Scale("demo", 600, 60),
    "city": Scale("city", 450_000, 3_834),
}


def _noop(stage: str, done: int, total: int) -> None:
    return None


async def _demo_users() -> dict[str, User]:
    wanted = {
        "admin": ("City administrator", [Role.ADMIN]),
        "dispatcher": ("Dispatch centre operator", [Role.DISPATCHER]),
        "orgadmin": ("Organisation admin", [Role.VOLUNTEER, Role.ORG_ADMIN]),
        "volunteer": ("Demo volunteer", [Role.VOLUNTEER]),
        "resident": ("Demo resident", [Role.RESIDENT]),
        "wall": ("Wall screen", [Role.WALL_DISPLAY]),
    }
    existing = {u.username: u for u in await User.filter(username__in=list(wanted))}
    password_hash = hash_password(DEMO_PASSWORD) if len(existing) < len(wanted) else ""
    for username, (display_name, roles) in wanted.items():
        if username not in existing:
            existing[username] = await User.create(
                username=username,
                password_hash=password_hash,
                display_name=display_name,
                roles=[r.value for r in roles],
            )
    return existing


def _organization_name(rng: random.Random, district: District, index: int) -> str:
    category_word = rng.choice(("红马甲", "好人", "学雷锋", "邻里守望", "文明交通", "环保", "助老"))
    return f"{district.name}{category_word}{ORG_WORDS[index % len(ORG_WORDS)]}第{index + 1}队"


async def _organizations(
    districts: list[District], count: int, progress: Progress
) -> list[Organization]:
    names = {o.name for o in await Organization.all().only("id", "name")}
    categories = list(OrganizationCategory)
    rows = []
    for index in range(count):
        # One generator per row: a row's values never depend on which rows already exist.
        rng = random.Random(f"organization:{index}")
        district = districts[index % len(districts)]
        name = _organization_name(rng, district, index)
        category = categories[index % len(categories)]
        verified = rng.random() < 0.85
        if name in names:
            continue
        rows.append(
            Organization(
                name=name,
                category=category,
                district_id=district.id,
                verified=verified,
                description=f"{district.name}的{category.value.lower()}志愿服务",
                contact_name=rng.choice(SURNAMES) + "老师",
                contact_phone=f"0752-{rng.randint(2000000, 3999999)}",
            )
        )
    for start in range(0, len(rows), BATCH):
        async with in_transaction():
            await Organization.bulk_create(rows[start : start + BATCH])
        progress("organisations", min(start + BATCH, len(rows)), len(rows))
    return await Organization.all().order_by("id")


def _sql_insert(connection: BaseDBAsyncClient, table: str, columns: tuple[str, ...]) -> str:
    """An INSERT for `execute_many`, in the placeholder style of the connection's driver."""
    if connection.capabilities.dialect == "postgres":
        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    else:
        marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - our own constants


async def _insert_rows(table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> int:
    """Plain rows through the driver's executemany: a Tortoise model per row (bulk_create)
    inserts at about half the rate (see `python -m bench`). The drivers adapt the values
    (sqlite3 with the adapters Tortoise registers: datetimes as ISO text, decimals as text;
    asyncpg natively)."""
    if rows:
        async with in_transaction() as connection:
            await connection.execute_many(_sql_insert(connection, table, columns), rows)
    return len(rows)


async def _column(sql: str) -> list[Any]:
    connection = connections.get("default")
    return [row[0] for row in (await connection.execute_query(sql))[1]]


VOLUNTEER_COLUMNS = (
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
_SKILLS = [s.value for s in Skill]
_SLOTS = [a.value for a in Availability]
_CENT = Decimal("0.01")


def _volunteer_number(rng: random.Random) -> str:
    """Drawn like registration's numbers, from the row's own generator so a rerun repeats it."""
    body = VOLUNTEER_NUMBER_REGION + "".join(
        rng.choice("0123456789") for _ in range(VOLUNTEER_NUMBER_SERIAL_DIGITS)
    )
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class VolunteerKey:
    """What identifies a generated volunteer, drawn first from the row's own generator so that
    a rerun recognises an existing row without generating the rest of it."""

    rng: random.Random
    district: District
    id_number: str
    id_hash: str
    born: date


@dataclass(frozen=True)
class VolunteerFactory:
    """Volunteer rows by index, as lists in VOLUNTEER_COLUMNS order (no model objects)."""

    districts: list[District]
    communities: dict[int, list[Community]]
    now: datetime
    # Districts weighted by population, so per-capita figures look like a real city.
    cumulative_weights: list[int]

    @classmethod
    async def from_database(cls) -> VolunteerFactory:
        districts = await District.all().order_by("id")
        communities: dict[int, list[Community]] = {}
        for community in await Community.all().order_by("id"):
            communities.setdefault(community.district_id, []).append(community)
        weights = list(accumulate(d.population for d in districts))
        return cls(districts, communities, datetime.now(UTC), weights)

    def key(self, index: int) -> VolunteerKey:
        # One generator per row: a row's values never depend on which rows already exist.
        rng = random.Random(f"volunteer:{index}")
        district = rng.choices(self.districts, cum_weights=self.cumulative_weights)[0]
        # Birth dates across 1950-2008, a distinct (date, sequence) pair for every index.
        born = _EPOCH + timedelta(days=index % 21_000)
        id_number = make_id_number(REGION[district.code], born, index // 21_000)
        return VolunteerKey(rng, district, id_number, id_number_hash(id_number), born)

    def row(self, key: VolunteerKey) -> list[Any]:
        rng = key.rng
        community = rng.choice(self.communities[key.district.id])
        # Registration grows ~10% a year over eight years, most recent years heaviest.
        years_ago = min(7.99, rng.expovariate(1 / 2.8))
        hours = round(min(2400.0, rng.expovariate(1 / 70)), 1)
        real_name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
        lat = round(community.center_lat + rng.uniform(-0.01, 0.01), 6)
        lng = round(community.center_lng + rng.uniform(-0.01, 0.01), 6)
        skills = pack_tags(rng.sample(_SKILLS, k=rng.randint(1, 3)))
        availability = pack_tags(rng.sample(_SLOTS, k=rng.randint(1, 3)))
        registered = self.now - timedelta(days=years_ago * 365)
        return [
            real_name,
            phone,
            key.id_number,
            key.id_hash,
            (Gender.MALE if int(key.id_number[16]) % 2 else Gender.FEMALE).value,
            key.born,
            key.district.id,
            community.id,
            lat,
            lng,
            skills,
            availability,
            registered,
            VolunteerStatus.ACTIVE.value,
            Decimal(str(hours)).quantize(_CENT),
            registered,
            _volunteer_number(rng),
        ]

    def rows(self, start: int, stop: int) -> list[list[Any]]:
        return [self.row(self.key(index)) for index in range(start, stop)]


async def insert_volunteers(rows: list[list[Any]]) -> int:
    """Inserts rows made by VolunteerFactory in one transaction; returns how many."""
    return await _insert_rows("volunteer", VOLUNTEER_COLUMNS, rows)


async def _volunteers(count: int, progress: Progress) -> int:
    factory = await VolunteerFactory.from_database()
    existing = {str(h) for h in await _column("SELECT id_number_hash FROM volunteer")}
    added = 0
    batch: list[list[Any]] = []
    for index in range(count):
        key = factory.key(index)
        if key.id_hash not in existing:
            batch.append(factory.row(key))
        if len(batch) >= BATCH or (index + 1) % BATCH == 0:
            added += await insert_volunteers(batch)
            batch = []
            progress("volunteers", index + 1, count)
    added += await insert_volunteers(batch)
    progress("volunteers", count, count)
    return added


MEMBERSHIP_COLUMNS = (
    "volunteer_id",
    "organization_id",
    "role",
    "status",
    "message",
    "applied_at",
    "decided_at",
    "decision_note",
)


async def _memberships(organizations: list[Organization], progress: Progress) -> int:
    """Volunteers without a membership join 0-2 organisations of their district, chosen from
    the volunteer's id alone so that a second run makes the same choice (and adds nothing)."""
    by_district: dict[int, list[int]] = {}
    for organization in organizations:
        by_district.setdefault(organization.district_id, []).append(organization.id)
    members = set(await _column("SELECT DISTINCT volunteer_id FROM membership"))
    connection = connections.get("default")
    # Raw rows: registered_at goes back into the same driver in the form it came out.
    _, rows = await connection.execute_query(
        "SELECT id, district_id, registered_at FROM volunteer ORDER BY id"
    )
    member, approved = MembershipRole.MEMBER.value, MembershipStatus.APPROVED.value
    total = len(rows)
    added = 0
    batch: list[list[Any]] = []
    for done, row in enumerate(rows, 1):
        volunteer_id, district_id, registered_at = row[0], row[1], row[2]
        candidates = by_district.get(district_id, [])
        if volunteer_id not in members and candidates:
            count = (0, 1, 1, 2)[(volunteer_id * 2654435761) % 4]
            chosen = {
                candidates[(volunteer_id * (31 + 17 * k)) % len(candidates)] for k in range(count)
            }
            batch.extend(
                [
                    volunteer_id,
                    organization_id,
                    member,
                    approved,
                    "",
                    registered_at,
                    registered_at,
                    "",
                ]
                for organization_id in sorted(chosen)
            )
        if len(batch) >= BATCH or done % BATCH == 0:
            added += await _insert_rows("membership", MEMBERSHIP_COLUMNS, batch)
            batch = []
            progress("memberships", done, total)
    added += await _insert_rows("membership", MEMBERSHIP_COLUMNS, batch)
    progress("memberships", total, total)
    return added


@asynccontextmanager
async def _bulk_load() -> AsyncIterator[None]:
    """SQLite's default page cache (2 MB) is far smaller than the volunteer table's indexes at
    city scale, so every insert into the ID-hash index would read and write pages again; a
    larger cache for the duration of the load roughly halves it. PostgreSQL needs nothing."""
    connection = connections.get("default")
    if connection.capabilities.dialect != "sqlite":
        yield
        return
    previous = (await _column("PRAGMA cache_size"))[0]
    await connection.execute_script(f"PRAGMA cache_size={-256 * 1024}")
    try:
        yield
    finally:
        await connection.execute_script(f"PRAGMA cache_size={int(previous)}")


async def _refresh_statistics() -> None:
    """After a bulk load PostgreSQL's planner still believes the tables are tiny, and until a
    vacuum sets the visibility map no count can be answered from an index alone; autovacuum
    would get there eventually (or never, where it is off). SQLite plans well without."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("VACUUM (ANALYZE) volunteer, membership, organization")


async def _link_demo_accounts(users: dict[str, User], organizations: list[Organization]) -> None:
    """The demo `volunteer` and `orgadmin` sign-ins own real volunteer records, and `orgadmin`
    administers the first organisation, so every role can be tried in GraphiQL at once."""
    for username, index in (("volunteer", 0), ("orgadmin", 1)):
        user = users[username]
        if await Volunteer.exists(user_id=user.id):
            continue
        volunteer = await Volunteer.filter(user_id=None).order_by("id").offset(index).first()
        if volunteer is None:
            return
        volunteer.user_id = user.id
        await volunteer.save(update_fields=["user_id"])
        if username == "orgadmin" and organizations:
            await Membership.filter(volunteer_id=volunteer.id).delete()
            await Membership.create(
                volunteer_id=volunteer.id,
                organization_id=organizations[0].id,
                role=MembershipRole.ADMIN,
                status=MembershipStatus.APPROVED,
                decided_at=datetime.now(UTC),
            )


async def seed(
    scale: str | Scale = "demo",
    progress: Progress = _noop,
    reference: ReferenceData | None = None,
) -> dict[str, int]:
    """Bootstraps the city's reference data, then loads a named scale of demo data (or a custom
    one, e.g. for benchmarks) on top; returns the demo rows added."""
    if isinstance(scale, str):
        scale = SCALES[scale]
    before = {
        "volunteers": await Volunteer.all().count(),
        "organizations": await Organization.all().count(),
        "memberships": await Membership.all().count(),
    }
    await bootstrap(reference or default_reference(), progress)
    users = await _demo_users()
    districts = await District.all().order_by("id")
    organizations = await _organizations(districts, scale.organizations, progress)
    async with _bulk_load():
        added = await _volunteers(scale.volunteers, progress)
        added += await _memberships(organizations, progress)
    if added:
        await _refresh_statistics()
    await _link_demo_accounts(users, organizations)
    await seed_dispatch()
    await seed_stations()
    await seed_civic()
    await seed_rewards()
    await seed_timebank()
    await seed_activities()
    await seed_attendance()
    return {
        "volunteers": await Volunteer.all().count() - before["volunteers"],
        "organizations": await Organization.all().count() - before["organizations"],
        "memberships": await Membership.all().count() - before["memberships"],
    }
