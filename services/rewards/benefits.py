"""The benefit catalogue (the scheme's 18 preferential treatments) and who may have what.

Eligibility reads the volunteer's star level (from confirmed hours, as everywhere) and the
confirmed hours they served in the last 12 months (records whose service ended in the window,
as cityStatistics counts them), plus the benefit's validity, stock and per-volunteer limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from models.dispatch import RecordStatus, ServiceRecord
from models.rewards import Benefit, Redemption
from models.volunteers import Volunteer, VolunteerStatus
from services.common.principal import Principal
from services.rewards import own_volunteer
from services.rewards.errors import RewardsErrorCode
from services.volunteers import star_level

RECENT_WINDOW = timedelta(days=365)


# Eligibility ----------------------------------------------------------------------------------


class IneligibleReason(str, Enum):
    WITHDRAWN = "WITHDRAWN"
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    VOLUNTEER_NOT_ACTIVE = "VOLUNTEER_NOT_ACTIVE"
    STAR_LEVEL_TOO_LOW = "STAR_LEVEL_TOO_LOW"
    NOT_ENOUGH_RECENT_HOURS = "NOT_ENOUGH_RECENT_HOURS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    LIMIT_REACHED = "LIMIT_REACHED"


# What `redeemBenefit` answers for each reason: the volunteer's own shortfalls are NOT_ELIGIBLE.
REDEEM_CODE = {
    IneligibleReason.WITHDRAWN: RewardsErrorCode.WITHDRAWN,
    IneligibleReason.NOT_YET_VALID: RewardsErrorCode.NOT_YET_VALID,
    IneligibleReason.EXPIRED: RewardsErrorCode.EXPIRED,
    IneligibleReason.VOLUNTEER_NOT_ACTIVE: RewardsErrorCode.NOT_ELIGIBLE,
    IneligibleReason.STAR_LEVEL_TOO_LOW: RewardsErrorCode.NOT_ELIGIBLE,
    IneligibleReason.NOT_ENOUGH_RECENT_HOURS: RewardsErrorCode.NOT_ELIGIBLE,
    IneligibleReason.OUT_OF_STOCK: RewardsErrorCode.OUT_OF_STOCK,
    IneligibleReason.LIMIT_REACHED: RewardsErrorCode.LIMIT_REACHED,
}


@dataclass(frozen=True)
class Reason:
    reason: IneligibleReason
    message: str


@dataclass(frozen=True)
class Standing:
    """What eligibility needs to know about a volunteer, read once for the whole catalogue."""

    volunteer: Volunteer
    star_level: int
    recent_hours: Decimal
    taken: dict[int, int]


@dataclass(frozen=True)
class Eligibility:
    benefit: Benefit
    reasons: list[Reason]
    taken: int

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def left_for_you(self) -> int | None:
        limit = self.benefit.per_volunteer_limit
        return None if limit is None else max(limit - self.taken, 0)


def sum_hours(value: Any) -> Decimal:
    """A sum from the database as exact hours (SQLite sums decimals as floats)."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def recent_hours(volunteer_id: int, now: datetime) -> Decimal:
    rows = (
        await ServiceRecord.filter(
            volunteer_id=volunteer_id,
            status=RecordStatus.CONFIRMED,
            ended_at__gt=now - RECENT_WINDOW,
            ended_at__lte=now,
        )
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return sum_hours(rows[0]["total"] if rows else None)


async def taken_counts(volunteer_id: int, benefit_ids: list[int] | None = None) -> dict[int, int]:
    query = Redemption.filter(volunteer_id=volunteer_id)
    if benefit_ids is not None:
        query = query.filter(benefit_id__in=benefit_ids)
    rows = await query.group_by("benefit_id").annotate(n=Count("id")).values("benefit_id", "n")
    return {int(row["benefit_id"]): int(row["n"]) for row in rows}


async def standing_of(volunteer: Volunteer, now: datetime) -> Standing:
    return Standing(
        volunteer=volunteer,
        star_level=star_level(volunteer.total_hours),
        recent_hours=await recent_hours(volunteer.id, now),
        taken=await taken_counts(volunteer.id),
    )


def assess(benefit: Benefit, standing: Standing, now: datetime) -> Eligibility:
    """Every reason the volunteer cannot have the benefit now; none means they can."""
    reasons: list[Reason] = []

    def no(reason: IneligibleReason, message: str) -> None:
        reasons.append(Reason(reason, message))

    if not benefit.active:
        no(IneligibleReason.WITHDRAWN, "This benefit has been withdrawn.")
    if now < benefit.valid_from:
        no(IneligibleReason.NOT_YET_VALID, f"Offered from {benefit.valid_from:%Y-%m-%d}.")
    if benefit.valid_until is not None and now >= benefit.valid_until:
        no(IneligibleReason.EXPIRED, f"Offered until {benefit.valid_until:%Y-%m-%d}.")
    if standing.volunteer.status != VolunteerStatus.ACTIVE:
        no(IneligibleReason.VOLUNTEER_NOT_ACTIVE, "Only active volunteers have benefits.")
    if standing.star_level < benefit.min_star_level:
        no(
            IneligibleReason.STAR_LEVEL_TOO_LOW,
            f"Needs star level {benefit.min_star_level}; you have {standing.star_level}.",
        )
    needed = benefit.min_recent_hours
    if needed is not None and standing.recent_hours < needed:
        no(
            IneligibleReason.NOT_ENOUGH_RECENT_HOURS,
            f"Needs {needed} confirmed hours in the last 12 months; you have "
            f"{standing.recent_hours}.",
        )
    if benefit.stock is not None and benefit.redeemed >= benefit.stock:
        no(IneligibleReason.OUT_OF_STOCK, "None left.")
    taken = standing.taken.get(benefit.id, 0)
    limit = benefit.per_volunteer_limit
    if limit is not None and taken >= limit:
        no(IneligibleReason.LIMIT_REACHED, f"At most {limit} per volunteer; you had {taken}.")
    return Eligibility(benefit, reasons, taken)


async def eligible_benefits(
    principal: Principal, include_ineligible: bool = False, now: datetime | None = None
) -> list[Eligibility]:
    """The signed-in volunteer's benefits on offer (not withdrawn, not ended), each assessed;
    only those they can have now unless `include_ineligible`. Three statements in all."""
    now = now or datetime.now(UTC)
    volunteer = await own_volunteer(principal)
    standing = await standing_of(volunteer, now)
    offered = await Benefit.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now), active=True
    ).order_by("min_star_level", "id")
    assessed = [assess(benefit, standing, now) for benefit in offered]
    return assessed if include_ineligible else [a for a in assessed if a.eligible]
