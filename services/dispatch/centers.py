"""Administering dispatch centres: name, level, parent, coverage, `auto_assign` and the
escalation time, each change checked as a whole and recorded in the audit log.

The tree stays a tree with the city centre at its root: one CITY centre, without a parent;
every other centre has a parent of a higher level (CITY above DISTRICT above STREET), and no
centre becomes its own ancestor. Coverage is replaced whole when given: the districts a centre
answers for, and single communities (a street centre's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from tortoise.transactions import in_transaction

from models.dispatch import LEVEL_RANK, CenterCoverage, CenterLevel, DispatchCenter
from models.geography import Community, District
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError
from services.dispatch import center_family
from services.dispatch.errors import DispatchErrorCode

OBJECT_TYPE = "DispatchCenter"
MAX_NAME = 128
# A week: an order left longer than that without anyone escalating it has been forgotten.
MAX_ESCALATION_MINUTES = 7 * 24 * 60
FIELDS = ("name", "level", "parent_id", "auto_assign", "escalate_after_minutes")


class Keep:
    """`parent_id=KEEP`: leave the parent as it is (None would mean "no parent")."""


KEEP: Final = Keep()


@dataclass(frozen=True)
class CenterChange:
    """What to set; None (KEEP for the parent) leaves a field as it is. `districts` and
    `communities`, when given, replace the centre's coverage."""

    name: str | None = None
    level: CenterLevel | None = None
    parent_id: int | Keep | None = KEEP
    auto_assign: bool | None = None
    escalate_after_minutes: int | None = None
    districts: list[int] | None = None
    communities: list[int] | None = None


@dataclass
class _Coverage:
    districts: list[int] = field(default_factory=list)
    communities: list[tuple[int, int]] = field(default_factory=list)


async def _coverage_of(center_id: int) -> dict[str, list[int]]:
    rows = await CenterCoverage.filter(center_id=center_id).values_list(
        "district_id", "community_id"
    )
    return {
        "districts": sorted(d for d, c in rows if c is None),
        "communities": sorted(c for _, c in rows if c is not None),
    }


async def _state(center: DispatchCenter) -> dict[str, Any]:
    return snapshot(center, FIELDS) | await _coverage_of(center.id)


async def _check(
    center: DispatchCenter | None, change: CenterChange, problems: Collector
) -> _Coverage | None:
    """Every problem of the change at once; the coverage's rows when it is replaced."""
    if change.name is not None:
        name = change.name.strip()
        if not 1 <= len(name) <= MAX_NAME:
            problems.add(
                DispatchErrorCode.INVALID_NAME, f"A name of 1 to {MAX_NAME} characters.", "name"
            )
        elif await DispatchCenter.filter(name=name).exclude(id=center.id if center else 0):
            problems.add(DispatchErrorCode.DUPLICATE_NAME, "Another centre has this name.", "name")
    minutes = change.escalate_after_minutes
    if minutes is not None and not 1 <= minutes <= MAX_ESCALATION_MINUTES:
        problems.add(
            DispatchErrorCode.INVALID_ESCALATION,
            f"Escalate after 1 to {MAX_ESCALATION_MINUTES} minutes.",
            "escalateAfterMinutes",
        )
    await _check_tree(center, change, problems)
    return await _check_coverage(change, problems)


async def _check_tree(
    center: DispatchCenter | None, change: CenterChange, problems: Collector
) -> None:
    level = change.level or (center.level if center else CenterLevel.DISTRICT)
    parent_id = change.parent_id if not isinstance(change.parent_id, Keep) else None
    if isinstance(change.parent_id, Keep) and center is not None:
        parent_id = center.parent_id
    if level == CenterLevel.CITY:
        if parent_id is not None:
            problems.add(
                DispatchErrorCode.INVALID_PARENT, "The city centre has no parent.", "parent"
            )
        other_city = DispatchCenter.filter(level=CenterLevel.CITY)
        if center is not None:
            other_city = other_city.exclude(id=center.id)
        if await other_city.exists():
            problems.add(DispatchErrorCode.INVALID_LEVEL, "The city has one city centre.", "level")
    elif parent_id is None:
        problems.add(
            DispatchErrorCode.INVALID_PARENT, "A district or street centre has a parent.", "parent"
        )
    else:
        parent = await DispatchCenter.get_or_none(id=parent_id)
        if parent is None:
            problems.add(DispatchErrorCode.CENTER_NOT_FOUND, "No such parent centre.", "parent")
        elif center is not None and parent.id in await center_family(center.id):
            problems.add(
                DispatchErrorCode.INVALID_PARENT,
                "A centre cannot sit below itself or one of its own centres.",
                "parent",
            )
        elif LEVEL_RANK[parent.level] >= LEVEL_RANK[level]:
            problems.add(
                DispatchErrorCode.INVALID_LEVEL,
                f"A {level.value} centre sits below a centre of a higher level "
                f"(its parent is {parent.level.value}).",
                "level",
            )
    if center is not None and change.level is not None:
        children = await DispatchCenter.filter(parent_id=center.id).values_list("level", flat=True)
        if any(LEVEL_RANK[CenterLevel(c)] <= LEVEL_RANK[level] for c in children):
            problems.add(
                DispatchErrorCode.INVALID_LEVEL,
                "A centre's own centres must stay below it in level.",
                "level",
            )


async def _check_coverage(change: CenterChange, problems: Collector) -> _Coverage | None:
    if change.districts is None and change.communities is None:
        return None
    coverage = _Coverage()
    district_ids = sorted(set(change.districts or []))
    if district_ids:
        found = set(await District.filter(id__in=district_ids).values_list("id", flat=True))
        if len(found) != len(district_ids):
            problems.add(DispatchErrorCode.UNKNOWN_DISTRICT, "No such district.", "districts")
        coverage.districts = district_ids
    community_ids = sorted(set(change.communities or []))
    if community_ids:
        rows = await Community.filter(id__in=community_ids).values_list("id", "district_id")
        if len(rows) != len(community_ids):
            problems.add(DispatchErrorCode.UNKNOWN_COMMUNITY, "No such community.", "communities")
        coverage.communities = [(int(d), int(c)) for c, d in rows]
    return coverage


async def _replace_coverage(center_id: int, coverage: _Coverage) -> None:
    await CenterCoverage.filter(center_id=center_id).delete()
    await CenterCoverage.bulk_create(
        [CenterCoverage(center_id=center_id, district_id=d) for d in coverage.districts]
        + [
            CenterCoverage(center_id=center_id, district_id=d, community_id=c)
            for d, c in coverage.communities
        ]
    )


async def create_center(actor: Actor, change: CenterChange) -> DispatchCenter:
    """A new centre; `name` and `level` are required, the rest has the model's defaults."""
    problems = Collector()
    if change.name is None:
        problems.add(DispatchErrorCode.INVALID_NAME, "Give the centre a name.", "name")
    if change.level is None:
        problems.add(DispatchErrorCode.INVALID_LEVEL, "Give the centre a level.", "level")
    async with in_transaction():
        coverage = await _check(None, change, problems)
        problems.raise_if_any()
        assert change.name is not None and change.level is not None
        center = await DispatchCenter.create(
            name=change.name.strip(),
            level=change.level,
            parent_id=None if isinstance(change.parent_id, Keep) else change.parent_id,
            auto_assign=bool(change.auto_assign),
            escalate_after_minutes=change.escalate_after_minutes or 30,
        )
        if coverage is not None:
            await _replace_coverage(center.id, coverage)
        await actor.record(
            "createDispatchCenter", OBJECT_TYPE, center.id, None, await _state(center)
        )
    return center


async def update_center(actor: Actor, center_id: int, change: CenterChange) -> DispatchCenter:
    """Changes what is given; a change that sets every field to what it was records nothing."""
    async with in_transaction():
        center = await DispatchCenter.filter(id=center_id).select_for_update().first()
        if center is None:
            raise DomainError(
                DispatchErrorCode.CENTER_NOT_FOUND, "No such centre.", "dispatchCenter"
            )
        problems = Collector()
        coverage = await _check(center, change, problems)
        problems.raise_if_any()
        before = await _state(center)
        if change.name is not None:
            center.name = change.name.strip()
        if change.level is not None:
            center.level = change.level
        if not isinstance(change.parent_id, Keep):
            center.parent_id = change.parent_id
        if change.auto_assign is not None:
            center.auto_assign = change.auto_assign
        if change.escalate_after_minutes is not None:
            center.escalate_after_minutes = change.escalate_after_minutes
        await center.save(update_fields=list(FIELDS))
        if coverage is not None:
            await _replace_coverage(center.id, coverage)
        after = await _state(center)
        if after != before:
            await actor.record("updateDispatchCenter", OBJECT_TYPE, center.id, before, after)
    return center
