"""Redeeming a benefit for a one-time code, and the provider verifying (using up) the code.

Stock: `Benefit.redeemed` grows only by a conditional UPDATE (`redeemed < stock`), which
PostgreSQL re-checks against the committed row when two redemptions race, so exactly `stock`
succeed. Per-volunteer limit: the volunteer's row is locked first, so one volunteer's
redemptions are counted one after another. Idempotency as in the time bank: a key scoped to the
caller, stored with the request's hash; a failed request stores nothing."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from enum import Enum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from models.rewards import Benefit, BenefitDelivery, Redemption, RedemptionStatus
from models.volunteers import Volunteer
from services.common.errors import Collector, DomainError, NotPermitted, Problem
from services.common.principal import Principal
from services.rewards import (
    RewardsEvent,
    benefit_topic,
    check_key,
    digest,
    not_found,
    own_volunteer,
    provider_ids_of,
    scoped_key,
    volunteer_rewards_topic,
)
from services.rewards.benefits import REDEEM_CODE, Standing, assess, recent_hours, taken_counts
from services.rewards.errors import RewardsErrorCode
from services.volunteers import star_level
from settings import get_settings
from subscriptions.events import atomic

# No 0/O, 1/I/L: read aloud or typed at a counter without mix-ups. 31^10 ≈ 2^49 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
_CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class RedemptionState(str, Enum):
    ISSUED = "ISSUED"
    USED = "USED"
    EXPIRED = "EXPIRED"


def state_of(redemption: Redemption, now: datetime | None = None) -> RedemptionState:
    if redemption.status == RedemptionStatus.USED:
        return RedemptionState.USED
    if redemption.expires_at <= (now or datetime.now(UTC)):
        return RedemptionState.EXPIRED
    return RedemptionState.ISSUED


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """As a person types it: any case, with spaces or dashes between groups."""
    return re.sub(r"[\s-]", "", raw).upper()


def _request_hash(benefit_id: int) -> str:
    return digest("REDEEM", benefit_id)


async def _replay(key: str, benefit_id: int) -> Redemption | None:
    existing = await Redemption.get_or_none(idempotency_key=key)
    if existing is None:
        return None
    if existing.request_hash != _request_hash(benefit_id):
        raise DomainError(
            RewardsErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different request.",
            "idempotencyKey",
        )
    return existing


async def redeem(
    principal: Principal, benefit_id: int, idempotency_key: str, now: datetime | None = None
) -> Redemption:
    """Takes one of the benefit for the signed-in volunteer and returns its one-time code. A
    retry with the same key returns the first redemption, even if the benefit ran out since."""
    user_id = principal.require_user()
    collector = Collector()
    check_key(collector, idempotency_key)
    collector.raise_if_any()
    volunteer = await own_volunteer(principal)
    key = scoped_key(user_id, idempotency_key)
    replayed = await _replay(key, benefit_id)
    if replayed is not None:
        return replayed
    benefit = await Benefit.get_or_none(id=benefit_id)
    if benefit is None:
        raise not_found(RewardsErrorCode.BENEFIT_NOT_FOUND, "benefit")
    if benefit.delivery != BenefitDelivery.CODE:
        raise DomainError(
            RewardsErrorCode.NOT_REDEEMABLE,
            "This benefit is not redeemed: show your service card, or it is granted as is.",
            "benefit",
        )
    now = now or datetime.now(UTC)
    try:
        return await _take(volunteer.id, benefit_id, key, now)
    except IntegrityError:
        # The same key, committed by a concurrent retry between our look-up and our insert.
        replayed = await _replay(key, benefit_id)
        if replayed is None:
            raise
        return replayed


async def _take(volunteer_id: int, benefit_id: int, key: str, now: datetime) -> Redemption:
    async with atomic() as tx:
        locked = (await Volunteer.filter(id=volunteer_id).select_for_update())[0]
        # A retry of this very request may have committed while we waited for the lock.
        replayed = await _replay(key, benefit_id)
        if replayed is not None:
            return replayed
        benefit = await Benefit.get(id=benefit_id)
        standing = Standing(
            volunteer=locked,
            star_level=star_level(locked.total_hours),
            recent_hours=await recent_hours(locked.id, now),
            taken=await taken_counts(locked.id, [benefit_id]),
        )
        verdict = assess(benefit, standing, now)
        if verdict.reasons:
            raise DomainError.many(
                [Problem(REDEEM_CODE[r.reason], r.message, "benefit") for r in verdict.reasons]
            )
        in_stock = Q(stock__isnull=True) | Q(redeemed__lt=F("stock"))
        if not await Benefit.filter(in_stock, id=benefit_id).update(redeemed=F("redeemed") + 1):
            raise DomainError(RewardsErrorCode.OUT_OF_STOCK, "None left.", "benefit")
        expires_at = now + timedelta(days=get_settings().redemption_valid_days)
        if benefit.valid_until is not None:
            expires_at = min(expires_at, benefit.valid_until)
        redemption = await Redemption.create(
            benefit_id=benefit_id,
            volunteer_id=volunteer_id,
            code=new_code(),
            idempotency_key=key,
            request_hash=_request_hash(benefit_id),
            created_at=now,
            expires_at=expires_at,
        )
        tx.record(
            RewardsEvent.BENEFIT_REDEEMED.value,
            [volunteer_rewards_topic(volunteer_id), benefit_topic(benefit_id)],
            {"redemptionId": redemption.id, "benefitId": benefit_id, "volunteerId": volunteer_id},
        )
        return redemption


async def verify(principal: Principal, raw_code: str, now: datetime | None = None) -> Redemption:
    """A provider account checks a code shown by a volunteer and uses it up, once. Codes of
    other providers' benefits are reported as not found: nobody learns what others issued."""
    user_id = principal.require_user()
    providers = await provider_ids_of(principal)
    if not providers and not principal.is_admin:
        raise NotPermitted("Only provider accounts verify redemptions.")
    code = normalise_code(raw_code)
    redemption = None
    if _CODE_RE.match(code):
        redemption = await Redemption.get_or_none(code=code).select_related("benefit")
    if redemption is None or not (
        principal.is_admin or redemption.benefit.provider_id in providers
    ):
        raise not_found(RewardsErrorCode.REDEMPTION_NOT_FOUND, "code")
    now = now or datetime.now(UTC)
    async with atomic() as tx:
        # Conditional: of two counters scanning one code at once, one uses it.
        used = await Redemption.filter(
            id=redemption.id, status=RedemptionStatus.ISSUED, expires_at__gt=now
        ).update(status=RedemptionStatus.USED, used_at=now, verified_by_id=user_id)
        if not used:
            await redemption.refresh_from_db()
            if redemption.status == RedemptionStatus.USED:
                assert redemption.used_at is not None
                raise DomainError(
                    RewardsErrorCode.ALREADY_USED,
                    f"Already used at {redemption.used_at:%Y-%m-%d %H:%M} UTC.",
                    "code",
                )
            raise DomainError(RewardsErrorCode.EXPIRED, "This code has expired.", "code")
        tx.record(
            RewardsEvent.REDEMPTION_USED.value,
            [
                volunteer_rewards_topic(redemption.volunteer_id),
                benefit_topic(redemption.benefit_id),
            ],
            {"redemptionId": redemption.id, "benefitId": redemption.benefit_id},
        )
    await redemption.refresh_from_db()
    return redemption


async def mine(principal: Principal) -> QuerySet[Redemption]:
    """The signed-in volunteer's redemptions, for paging."""
    volunteer = await own_volunteer(principal)
    return Redemption.filter(volunteer_id=volunteer.id)


async def may_see_code(principal: Principal, redemption: Redemption) -> bool:
    """The code is the volunteer's voucher: only they and administrators see it listed."""
    if principal.is_admin:
        return True
    if principal.user_id is None:
        return False
    return await Volunteer.exists(id=redemption.volunteer_id, user_id=principal.user_id)
