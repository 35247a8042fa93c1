"""Demo stations: Huizhou's ~350 as the seed counts them (105 community service stations,
5 good-person stations, 30 posts/kiosks, 200 service points, 10 specialist studios), spread
over the communities. Deterministic and idempotent: every station is keyed by its name, and
a name's row never depends on which other rows exist."""

from __future__ import annotations

import random

from tortoise.transactions import in_transaction

from models.dispatch import ServiceCategory
from models.geography import Community, District
from models.organizations import Organization
from models.stations import Station, StationKind
from models.volunteers import pack_tags

# kind: (how many, name label, opening hours)
PLAN: dict[StationKind, tuple[int, str, str]] = {
    StationKind.COMMUNITY_SERVICE_STATION: (
        105,
        "社区服务站",
        "周一至周五 08:30-12:00 14:30-18:00",
    ),
    StationKind.GOOD_PERSON_STATION: (5, "好人志愿服务站", "周六、周日 09:00-17:00"),
    StationKind.LEI_FENG_POST: (30, "学雷锋志愿服务岗", "每日 08:00-20:00"),
    StationKind.SERVICE_POINT: (200, "学雷锋志愿服务点", "每日 09:00-18:00"),
    StationKind.SPECIALIST_STUDIO: (10, "专项志愿服务工作室", "预约开放"),
}
# The one the seed names: opened early 2017 in a shopping plaza on 云山西路, 江北街道.
DONG_XIAOLAN = ("惠州好人志愿服务站(董筱兰站)", "惠城区江北街道云山西路丽日购物广场")
# Within ~550 m of their community's centre, so every demo community is inside the 10-minute
# circle.
_SPREAD_DEGREES = 0.005
_SERVICES = list(ServiceCategory)


def _station(
    kind: StationKind,
    index: int,
    communities: list[Community],
    districts: dict[int, District],
    organizations: dict[int, list[int]],
) -> Station:
    _, label, hours = PLAN[kind]
    rng = random.Random(f"station:{kind.value}:{index}")
    # Spread each kind evenly over the communities, starting at a different one per kind.
    community = communities[(index + len(label)) % len(communities)]
    district = districts[community.district_id]
    name = f"{district.name}{community.name}{label}{index + 1}号"
    address = f"{district.name}{community.name}{rng.randint(1, 300)}号"
    if kind == StationKind.GOOD_PERSON_STATION and index == 0:
        name, address = DONG_XIAOLAN
    runners = organizations.get(district.id, [])
    # Community service stations belong to the community itself; the rest are run by groups.
    organization_id = None
    if kind != StationKind.COMMUNITY_SERVICE_STATION and runners:
        organization_id = runners[rng.randrange(len(runners))]
    return Station(
        kind=kind,
        name=name,
        address=address,
        lat=round(community.center_lat + rng.uniform(-_SPREAD_DEGREES, _SPREAD_DEGREES), 6),
        lng=round(community.center_lng + rng.uniform(-_SPREAD_DEGREES, _SPREAD_DEGREES), 6),
        district_id=district.id,
        community_id=community.id,
        organization_id=organization_id,
        opening_hours=hours,
        services=pack_tags([s.value for s in rng.sample(_SERVICES, k=rng.randint(2, 4))]),
    )


async def seed_stations() -> int:
    """Adds the stations that are missing; returns how many."""
    communities = await Community.all().order_by("id")
    if not communities:
        return 0
    districts = {d.id: d for d in await District.all()}
    organizations: dict[int, list[int]] = {}
    for organization_id, district_id in (
        await Organization.all().order_by("id").values_list("id", "district_id")
    ):
        organizations.setdefault(int(district_id), []).append(int(organization_id))
    existing = {str(name) for name in await Station.all().values_list("name", flat=True)}
    rows = [
        station
        for kind, (count, _, _) in PLAN.items()
        for index in range(count)
        if (station := _station(kind, index, communities, districts, organizations)).name
        not in existing
    ]
    if rows:
        async with in_transaction():
            await Station.bulk_create(rows)
    return len(rows)
