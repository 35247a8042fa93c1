"""`volunteer-city bootstrap`: writes a city's reference data (reference.py) into an empty or
partly loaded database, adding what is missing and leaving what is there (a row a city has
since edited stays as edited). Keys: district code, community name within its district,
civic-category code, provider name, benefit code, centre name. Nothing personal is written.

One transaction: a failure half way leaves the database as it was. The file is checked whole
before it starts, so a malformed file changes nothing either."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal

from tortoise.transactions import in_transaction

from models.civic import CivicCategory
from models.dispatch import CenterCoverage, DispatchCenter
from models.geography import Community, District
from models.rewards import Benefit, BenefitProvider
from services.geography.reference import ReferenceData

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


async def _geography(data: ReferenceData, progress: Progress) -> tuple[int, dict[str, int]]:
    added = 0
    districts = {d.code: d for d in await District.all()}
    communities = {
        (c.district_id, c.name) for c in await Community.all().only("district_id", "name")
    }
    for done, entry in enumerate(data.districts, 1):
        district = districts.get(entry.code)
        if district is None:
            district = await District.create(
                code=entry.code,
                division_code=entry.division_code or None,
                name=entry.name,
                name_en=entry.name_en,
                population=entry.population,
                center_lat=entry.center.lat,
                center_lng=entry.center.lng,
                boundary=data.shapes.get(entry.code),
            )
            districts[entry.code] = district
            added += 1
        elif not district.boundary and entry.code in data.shapes:
            # A district loaded before its city had outlines gets them; one drawn since stays.
            district.boundary = data.shapes[entry.code]
            await district.save(update_fields=["boundary"])
            added += 1
        rows = [
            Community(
                district_id=district.id,
                name=c.name,
                division_code=c.division_code or None,
                population=c.population,
                center_lat=c.center.lat,
                center_lng=c.center.lng,
            )
            for c in entry.communities
            if (district.id, c.name) not in communities
        ]
        await Community.bulk_create(rows)
        added += len(rows)
        progress("districts", done, len(data.districts))
    return added, {code: d.id for code, d in districts.items()}


async def load_civic_categories(data: ReferenceData, progress: Progress = _quiet) -> int:
    """The civic-issue categories whose codes are missing; returns how many it added."""
    existing = {c.code for c in await CivicCategory.all().only("id", "code")}
    rows = [
        CivicCategory(
            code=c.code,
            name_zh=c.name_zh,
            name_en=c.name_en,
            group_name=c.group,
            department=c.department,
            deadline_hours=c.deadline_hours,
            description=c.description,
            position=position,
        )
        for position, c in enumerate(data.civic_categories)
        if c.code not in existing
    ]
    await CivicCategory.bulk_create(rows)
    progress("civic categories", len(data.civic_categories), len(data.civic_categories))
    return len(rows)


async def _rewards(data: ReferenceData, districts: dict[str, int], progress: Progress) -> int:
    providers = {p.name: p.id for p in await BenefitProvider.all().only("id", "name")}
    added = 0
    for entry in data.benefit_providers:
        if entry.name not in providers:
            provider = await BenefitProvider.create(
                name=entry.name,
                kind=entry.kind,
                district_id=districts[entry.district] if entry.district else None,
                address=entry.address,
            )
            providers[entry.name] = provider.id
            added += 1
    known = {b.code for b in await Benefit.all().only("id", "code")}
    valid_from = datetime.combine(data.benefits_valid_from, time(), tzinfo=UTC)
    rows = [
        Benefit(
            code=b.code,
            name=b.name,
            category=b.category,
            delivery=b.delivery,
            provider_id=providers[b.provider],
            min_star_level=b.min_star_level,
            min_recent_hours=Decimal(b.min_recent_hours) if b.min_recent_hours else None,
            stock=b.stock,
            per_volunteer_limit=b.per_volunteer_limit,
            valid_from=valid_from,
            basis=b.basis,
            description=f"{b.name}({b.provider})",
        )
        for b in data.benefits
        if b.code not in known
    ]
    await Benefit.bulk_create(rows)
    progress("benefits", len(data.benefits), len(data.benefits))
    return added + len(rows)


async def _dispatch(data: ReferenceData, districts: dict[str, int], progress: Progress) -> int:
    centers = {c.name: c.id for c in await DispatchCenter.all().only("id", "name")}
    covered = set(
        await CenterCoverage.filter(community_id=None).values_list("center_id", "district_id")
    )
    added = 0
    for done, entry in enumerate(data.dispatch_centers, 1):
        if entry.name not in centers:
            center = await DispatchCenter.create(
                name=entry.name,
                level=entry.level,
                # Listed above (reference.py checks it), so created already.
                parent_id=centers[entry.parent] if entry.parent else None,
                auto_assign=entry.auto_assign,
                escalate_after_minutes=entry.escalate_after_minutes,
            )
            centers[entry.name] = center.id
            added += 1
        for code in entry.districts:
            if (centers[entry.name], districts[code]) not in covered:
                await CenterCoverage.create(
                    center_id=centers[entry.name], district_id=districts[code]
                )
                covered.add((centers[entry.name], districts[code]))
                added += 1
        progress("dispatch centres", done, len(data.dispatch_centers))
    return added


async def load_districts(data: ReferenceData) -> int:
    """Only the districts and communities: what the tests and benches start from."""
    async with in_transaction():
        added, _ = await _geography(data, _quiet)
    return added


async def bootstrap(data: ReferenceData, progress: Progress = _quiet) -> dict[str, int]:
    """Writes what is missing; returns the rows added per part (all zero on a second run)."""
    async with in_transaction():
        geography, districts = await _geography(data, progress)
        added = {
            "districts and communities": geography,
            "civic categories": await load_civic_categories(data, progress),
            "providers and benefits": await _rewards(data, districts, progress),
            "dispatch centres and coverage": await _dispatch(data, districts, progress),
        }
    return added
