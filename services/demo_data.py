"""Huizhou demo data: a small set to try the API with (`demo`), or the city's real volume for
benchmarks (`city`: 450,000 volunteers, 3,834 organisations). Deterministic and idempotent:
running it again adds nothing, because every row is keyed by something natural (username,
ID-number hash, organisation name) that is checked before inserting."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.accounts import Role, User
from models.geography import Community, District
from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
)
from models.volunteers import Availability, Gender, Skill, Volunteer, pack_tags
from services.accounts import hash_password
from services.demo_dispatch import seed_dispatch
from services.geography import ensure_reference_data
from services.identity import id_number_hash, make_id_number

Progress = Callable[[str, int, int], None]
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo credential
BATCH = 5000

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


def _volunteer(
    rng: random.Random,
    index: int,
    district: District,
    communities: list[Community],
    now: datetime,
) -> Volunteer:
    # Birth dates across 1950-2008, a distinct (date, sequence) pair for every index.
    born = date(1950, 1, 1) + timedelta(days=index % 21_000)
    id_number = make_id_number(REGION[district.code], born, index // 21_000)
    community = rng.choice(communities)
    # Registration grows ~10% a year over eight years, most recent years heaviest.
    years_ago = min(7.99, rng.expovariate(1 / 2.8))
    hours = Decimal(str(round(min(2400.0, rng.expovariate(1 / 70)), 1)))
    return Volunteer(
        real_name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
        phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        id_number=id_number,
        id_number_hash=id_number_hash(id_number),
        gender=Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE,
        birth_date=born,
        district_id=district.id,
        community_id=community.id,
        home_lat=round(community.center_lat + rng.uniform(-0.01, 0.01), 6),
        home_lng=round(community.center_lng + rng.uniform(-0.01, 0.01), 6),
        skills=pack_tags([s.value for s in rng.sample(list(Skill), k=rng.randint(1, 3))]),
        availability=pack_tags(
            [a.value for a in rng.sample(list(Availability), k=rng.randint(1, 3))]
        ),
        registered_at=now - timedelta(days=years_ago * 365),
        total_hours=hours,
    )


async def _volunteers(districts: list[District], count: int, progress: Progress) -> int:
    communities: dict[int, list[Community]] = {}
    for community in await Community.all():
        communities.setdefault(community.district_id, []).append(community)
    existing: set[str] = {
        str(h) for h in await Volunteer.all().values_list("id_number_hash", flat=True)
    }
    now = datetime.now(UTC)
    # Districts weighted by population, so per-capita figures look like a real city.
    weights = [d.population for d in districts]
    added = 0
    batch: list[Volunteer] = []
    for index in range(count):
        rng = random.Random(f"volunteer:{index}")
        district = rng.choices(districts, weights)[0]
        volunteer = _volunteer(rng, index, district, communities[district.id], now)
        if volunteer.id_number_hash in existing:
            continue
        batch.append(volunteer)
        if len(batch) >= BATCH:
            added += await _insert_volunteers(batch)
            batch = []
            progress("volunteers", index + 1, count)
    added += await _insert_volunteers(batch)
    progress("volunteers", count, count)
    return added


async def _insert_volunteers(batch: list[Volunteer]) -> int:
    if batch:
        async with in_transaction():
            await Volunteer.bulk_create(batch)
    return len(batch)


async def _memberships(organizations: list[Organization], progress: Progress) -> None:
    """Volunteers without a membership join 0-2 organisations of their district, chosen from
    the volunteer's id alone so that a second run makes the same choice (and adds nothing)."""
    by_district: dict[int, list[int]] = {}
    for organization in organizations:
        by_district.setdefault(organization.district_id, []).append(organization.id)
    members = set(await Membership.all().distinct().values_list("volunteer_id", flat=True))
    rows = await Volunteer.all().order_by("id").values_list("id", "district_id", "registered_at")
    batch: list[Membership] = []
    total = len(rows)
    for done, (volunteer_id, district_id, registered_at) in enumerate(rows, 1):
        candidates = by_district.get(district_id, [])
        if volunteer_id in members or not candidates:
            continue
        count = (0, 1, 1, 2)[(volunteer_id * 2654435761) % 4]
        chosen = {
            candidates[(volunteer_id * (31 + 17 * k)) % len(candidates)] for k in range(count)
        }
        batch.extend(
            Membership(
                volunteer_id=volunteer_id,
                organization_id=organization_id,
                status=MembershipStatus.APPROVED,
                applied_at=registered_at,
                decided_at=registered_at,
            )
            for organization_id in sorted(chosen)
        )
        if len(batch) >= BATCH:
            async with in_transaction():
                await Membership.bulk_create(batch)
            batch = []
            progress("memberships", done, total)
    if batch:
        async with in_transaction():
            await Membership.bulk_create(batch)
    progress("memberships", total, total)


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


async def seed(scale_name: str = "demo", progress: Progress = _noop) -> dict[str, int]:
    scale = SCALES[scale_name]
    before = {
        "volunteers": await Volunteer.all().count(),
        "organizations": await Organization.all().count(),
        "memberships": await Membership.all().count(),
    }
    await ensure_reference_data()
    users = await _demo_users()
    districts = await District.all().order_by("id")
    organizations = await _organizations(districts, scale.organizations, progress)
    await _volunteers(districts, scale.volunteers, progress)
    await _memberships(organizations, progress)
    await _link_demo_accounts(users, organizations)
    await seed_dispatch()
    return {
        "volunteers": await Volunteer.all().count() - before["volunteers"],
        "organizations": await Organization.all().count() - before["organizations"],
        "memberships": await Membership.all().count() - before["memberships"],
    }
