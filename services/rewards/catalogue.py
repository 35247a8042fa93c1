"""The catalogue: administrators add benefits and change their terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.rewards import Benefit, BenefitCategory, BenefitDelivery, BenefitProvider
from services.audit import Actor, snapshot
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from services.rewards import check_text, not_found, require_admin
from services.rewards.errors import RewardsErrorCode

# More than there are hours in a leap year is a typing error.
MAX_RECENT_HOURS = Decimal(8784)
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{2,47}$")
# What the audit log keeps of a benefit, before and after a change.
FIELDS = (
    "code",
    "name",
    "description",
    "basis",
    "category",
    "delivery",
    "provider_id",
    "min_star_level",
    "min_recent_hours",
    "valid_from",
    "valid_until",
    "stock",
    "per_volunteer_limit",
    "active",
)


@dataclass
class NewBenefit:
    code: str
    name: str
    category: BenefitCategory
    provider_id: int
    valid_from: datetime
    delivery: BenefitDelivery = BenefitDelivery.CODE
    description: str = ""
    basis: str = ""
    min_star_level: int = 0
    min_recent_hours: Decimal | None = None
    valid_until: datetime | None = None
    stock: int | None = None
    per_volunteer_limit: int | None = None


# Fields `update_benefit` may change; a key present with None clears a nullable one.
CHANGEABLE = {
    "name",
    "description",
    "basis",
    "min_star_level",
    "min_recent_hours",
    "valid_until",
    "stock",
    "per_volunteer_limit",
    "active",
}


def _hours(collector: Collector, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        hours = Decimal("NaN")
    fine = hours.is_finite() and Decimal(0) < hours <= MAX_RECENT_HOURS
    if not fine or hours != hours.quantize(Decimal("0.01")):
        collector.add(
            RewardsErrorCode.INVALID_HOURS,
            f"Give more than 0 and at most {MAX_RECENT_HOURS} hours, two decimals at most.",
            "minRecentHours",
        )
        return None
    return hours


def _check_values(collector: Collector, values: dict[str, Any], delivery: BenefitDelivery) -> None:
    """Checks (and normalises in place) the given fields of a benefit."""
    if "name" in values:
        values["name"] = check_text(collector, values["name"], "name", limit=128)
    for key in ("description", "basis"):
        if key in values:
            values[key] = check_text(collector, values[key] or "", key, limit=2000, required=False)
    if "min_star_level" in values and not 0 <= values["min_star_level"] <= 5:
        collector.add(RewardsErrorCode.INVALID_STAR_LEVEL, "Give 0-5.", "minStarLevel")
    if "min_recent_hours" in values:
        values["min_recent_hours"] = _hours(collector, values["min_recent_hours"])
    for key in ("valid_from", "valid_until"):
        given = values.get(key)
        if given is not None and given.tzinfo is None:
            collector.add(RewardsErrorCode.INVALID_PERIOD, "Give times with a zone.", key)
    counted = delivery == BenefitDelivery.CODE
    stock = values.get("stock")
    if stock is not None and (stock < 0 or not counted):
        collector.add(
            RewardsErrorCode.INVALID_STOCK,
            "Stock is 0 or more, and only for benefits redeemed with a code.",
            "stock",
        )
    limit = values.get("per_volunteer_limit")
    if limit is not None and (limit < 1 or not counted):
        collector.add(
            RewardsErrorCode.INVALID_LIMIT,
            "A per-volunteer limit is 1 or more, and only for benefits redeemed with a code.",
            "perVolunteerLimit",
        )


def _check_period(collector: Collector, start: datetime, end: datetime | None) -> None:
    if end is not None and start.tzinfo and end.tzinfo and not start < end:
        collector.add(RewardsErrorCode.INVALID_PERIOD, "`validUntil` must be later.", "validUntil")


async def create_benefit(principal: Principal, data: NewBenefit) -> Benefit:
    require_admin(principal)
    collector = Collector()
    code = data.code.strip().upper()
    if not _CODE_RE.match(code):
        collector.add(
            RewardsErrorCode.INVALID_CODE, "3-48 of A-Z, 0-9 and _, starting with a letter.", "code"
        )
    values: dict[str, Any] = {
        key: getattr(data, key) for key in (*CHANGEABLE - {"active"}, "valid_from")
    }
    _check_values(collector, values, data.delivery)
    _check_period(collector, data.valid_from, data.valid_until)
    if not await BenefitProvider.exists(id=data.provider_id):
        collector.add(RewardsErrorCode.PROVIDER_NOT_FOUND, "No such provider.", "provider")
    collector.raise_if_any()
    actor = await Actor.admin(principal)
    try:
        async with in_transaction():
            benefit = await Benefit.create(
                code=code,
                category=data.category,
                delivery=data.delivery,
                provider_id=data.provider_id,
                **values,
            )
            after = snapshot(benefit, FIELDS)
            await actor.record("createBenefit", "Benefit", benefit.id, None, after)
    except IntegrityError as exc:
        raise DomainError(
            RewardsErrorCode.DUPLICATE_CODE, "A benefit with this code exists.", "code"
        ) from exc
    return benefit


async def update_benefit(principal: Principal, benefit_id: int, changes: dict[str, Any]) -> Benefit:
    return await change_benefit(await Actor.admin(principal), benefit_id, changes)


async def change_benefit(actor: Actor, benefit_id: int, changes: dict[str, Any]) -> Benefit:
    """Changes the given fields. Stock may not drop below what was already redeemed: checked
    in the UPDATE itself, so a redemption racing the change cannot overshoot it."""
    benefit = await Benefit.get_or_none(id=benefit_id)
    if benefit is None:
        raise not_found(RewardsErrorCode.BENEFIT_NOT_FOUND)
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    values = dict(changes)
    collector = Collector()
    _check_values(collector, values, benefit.delivery)
    _check_period(collector, benefit.valid_from, values.get("valid_until", benefit.valid_until))
    collector.raise_if_any()
    if not values:
        return benefit
    async with in_transaction():
        query = Benefit.filter(id=benefit.id)
        if values.get("stock") is not None:
            query = query.filter(redeemed__lte=values["stock"])
        before = snapshot(benefit, FIELDS)
        if not await query.update(**values):
            raise DomainError(
                RewardsErrorCode.INVALID_STOCK,
                "Stock cannot be less than what was already redeemed.",
                "stock",
            )
        await benefit.refresh_from_db()
        after = snapshot(benefit, FIELDS)
        if after != before:
            await actor.record("updateBenefit", "Benefit", benefit.id, before, after)
    return benefit
