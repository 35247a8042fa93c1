"""The catalogue of civic-issue categories: what a resident can report, the department that
answers for it and how many hours it has to rectify. Rows, not code: a city edits them in the
database; the defaults come from the city's reference data file (services/geography/data/),
and `ensure_categories` only adds the codes that are missing.

An administrator edits them here: each change checked as a whole and recorded in the audit log;
a category is withdrawn with `active=False`, never deleted (issues filed under it keep it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.civic import CivicCategory
from services.audit import Actor, snapshot
from services.civic.errors import CivicErrorCode as Code
from services.common.errors import Collector, DomainError
from services.geography import default_reference
from services.geography.bootstrap import load_civic_categories

OBJECT_TYPE = "CivicCategory"
FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "description",
    "group_name",
    "department",
    "deadline_hours",
    "active",
    "position",
)
# A year: a longer deadline is no deadline, and the statistics count overdue cases.
MAX_DEADLINE_HOURS = 365 * 24
MAX_POSITION = 10_000
# Open311 service codes: stable, upper-case, what apps and other systems name a category by.
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,31}")


@dataclass(frozen=True)
class CategoryChange:
    """What to set; None leaves a field as it is (`code` is given only on creation)."""

    code: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    description: str | None = None
    group: str | None = None
    department: str | None = None
    deadline_hours: int | None = None
    active: bool | None = None
    position: int | None = None


def _text(
    value: str | None, field: str, code: Code, low: int, high: int, problems: Collector
) -> None:
    if value is not None and not low <= len(value.strip()) <= high:
        problems.add(code, f"{low} to {high} characters.", field)


async def _check(category_id: int, change: CategoryChange, problems: Collector) -> None:
    if change.code is not None:
        if _CODE.fullmatch(change.code) is None:
            problems.add(
                Code.INVALID_CODE,
                "Upper-case letters, digits and _, at most 32, e.g. ILLEGAL_PARKING.",
                "code",
            )
        elif await CivicCategory.filter(code=change.code).exclude(id=category_id).exists():
            problems.add(Code.DUPLICATE_CODE, "Another category has this code.", "code")
    _text(change.name_zh, "nameZh", Code.INVALID_NAME, 1, 64, problems)
    _text(change.name_en, "nameEn", Code.INVALID_NAME, 1, 64, problems)
    _text(change.description, "description", Code.INVALID_DESCRIPTION, 0, 500, problems)
    _text(change.group, "group", Code.INVALID_GROUP, 0, 64, problems)
    _text(change.department, "department", Code.INVALID_DEPARTMENT, 1, 128, problems)
    hours = change.deadline_hours
    if hours is not None and not 1 <= hours <= MAX_DEADLINE_HOURS:
        problems.add(Code.INVALID_DEADLINE, f"1 to {MAX_DEADLINE_HOURS} hours.", "deadlineHours")
    if change.position is not None and not 0 <= change.position <= MAX_POSITION:
        problems.add(Code.INVALID_POSITION, f"A position from 0 to {MAX_POSITION}.", "position")


def _apply(row: CivicCategory, change: CategoryChange) -> None:
    for name, value in (
        ("name_zh", change.name_zh),
        ("name_en", change.name_en),
        ("description", change.description),
        ("group_name", change.group),
        ("department", change.department),
    ):
        if value is not None:
            setattr(row, name, value.strip())
    if change.deadline_hours is not None:
        row.deadline_hours = change.deadline_hours
    if change.active is not None:
        row.active = change.active
    if change.position is not None:
        row.position = change.position


async def create_category(actor: Actor, change: CategoryChange) -> CivicCategory:
    problems = Collector()
    for value, field, code in (
        (change.code, "code", Code.INVALID_CODE),
        (change.name_zh, "nameZh", Code.INVALID_NAME),
        (change.name_en, "nameEn", Code.INVALID_NAME),
        (change.department, "department", Code.INVALID_DEPARTMENT),
        (change.deadline_hours, "deadlineHours", Code.INVALID_DEADLINE),
    ):
        if value is None:
            problems.add(code, "Required for a new category.", field)
    async with in_transaction():
        await _check(0, change, problems)
        problems.raise_if_any()
        assert change.code is not None and change.deadline_hours is not None
        category = CivicCategory(code=change.code, deadline_hours=change.deadline_hours)
        _apply(category, change)
        await category.save()
        await actor.record(
            "createCivicCategory", OBJECT_TYPE, category.id, None, snapshot(category, FIELDS)
        )
    return category


async def update_category(actor: Actor, category_id: int, change: CategoryChange) -> CivicCategory:
    async with in_transaction():
        category = await CivicCategory.filter(id=category_id).select_for_update().first()
        if category is None:
            raise DomainError(Code.UNKNOWN_CATEGORY, "No such category.", "category")
        problems = Collector()
        await _check(category.id, change, problems)
        problems.raise_if_any()
        before = snapshot(category, FIELDS)
        if change.code is not None:
            category.code = change.code
        _apply(category, change)
        await category.save(update_fields=list(FIELDS))
        after = snapshot(category, FIELDS)
        if after != before:
            await actor.record("updateCivicCategory", OBJECT_TYPE, category.id, before, after)
    return category


async def ensure_categories() -> int:
    """Adds the shipped file's missing codes; returns how many it added. Edited rows stay."""
    return await load_civic_categories(default_reference())
