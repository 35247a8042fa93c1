"""Rewards (激励回馈优待), the parts every rewards module shares: the error codes, who the caller
is, idempotency keys, and SQL helpers for set-based inserts.

The domain is split by what it holds: `rewards.levels` (star levels and when they were
reached), `rewards.providers` and `rewards.catalogue` (who grants what, administered),
`rewards.benefits` (eligibility), `rewards.redemptions`
(redeeming and verifying), `rewards.cards` (the service card), `rewards.cover` (insurance and
commendations), `rewards.lookups` (batch reads for DataLoaders)."""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.accounts import Role, User
from models.rewards import ProviderStaff
from models.volunteers import Volunteer
from services.common.errors import Collector, DomainError
from services.common.principal import Principal
from services.rewards.errors import RewardsErrorCode

MAX_KEY_LENGTH = 100


class RewardsEvent(str, Enum):
    STAR_LEVEL_REACHED = "STAR_LEVEL_REACHED"
    STAR_LEVEL_LOST = "STAR_LEVEL_LOST"
    BENEFIT_REDEEMED = "BENEFIT_REDEEMED"
    REDEMPTION_USED = "REDEMPTION_USED"
    SERVICE_CARD_CHANGED = "SERVICE_CARD_CHANGED"


def volunteer_rewards_topic(volunteer_id: int) -> str:
    """Rewards events of one volunteer. Not `volunteer:<id>`, which carries dispatch events."""
    return f"rewards:volunteer:{volunteer_id}"


def benefit_topic(benefit_id: int) -> str:
    return f"benefit:{benefit_id}"


def not_found(code: RewardsErrorCode, field: str | None = "id") -> DomainError:
    what = code.value.removesuffix("_NOT_FOUND").lower().replace("_", " ")
    return DomainError(code, f"No such {what}.", field)


def require_admin(principal: Principal) -> int:
    principal.require_role([Role.ADMIN])
    assert principal.user_id is not None
    return principal.user_id


async def own_volunteer(principal: Principal) -> Volunteer:
    user_id = principal.require_user()
    volunteer = await Volunteer.get_or_none(user_id=user_id)
    if volunteer is None:
        raise DomainError(
            RewardsErrorCode.NOT_A_VOLUNTEER, "Only registered volunteers hold rewards."
        )
    return volunteer


async def volunteer_by_id(volunteer_id: int, field: str = "volunteer") -> Volunteer:
    volunteer = await Volunteer.get_or_none(id=volunteer_id)
    if volunteer is None:
        raise not_found(RewardsErrorCode.VOLUNTEER_NOT_FOUND, field)
    return volunteer


async def user_exists(user_id: int) -> bool:
    return await User.exists(id=user_id)


async def provider_ids_of(principal: Principal) -> set[int]:
    """The providers the caller is staff of: what makes a user a provider account."""
    if principal.user_id is None:
        return set()
    rows = await ProviderStaff.filter(user_id=principal.user_id).values_list(
        "provider_id", flat=True
    )
    return {int(i) for i in rows}  # type: ignore[call-overload]


def check_text(
    collector: Collector, value: str, field: str, *, limit: int, required: bool = True
) -> str:
    text = value.strip()
    if (required and not text) or len(text) > limit:
        what = f"1-{limit}" if required else f"at most {limit}"
        collector.add(RewardsErrorCode.INVALID_TEXT, f"Give {what} characters.", field)
    return text


def check_key(collector: Collector, key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or key != key.strip():
        collector.add(
            RewardsErrorCode.INVALID_IDEMPOTENCY_KEY,
            f"Give a key of 1-{MAX_KEY_LENGTH} characters without surrounding spaces.",
            "idempotencyKey",
        )


def scoped_key(user_id: int, key: str) -> str:
    """Keys belong to their caller: two users may use the same one."""
    return f"u{user_id}:{key}"


def digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def placeholders(connection: BaseDBAsyncClient, count: int) -> list[str]:
    """Parameter marks in the style of the connection's driver, for raw set-based SQL."""
    if connection.capabilities.dialect == "postgres":
        return [f"${n}" for n in range(1, count + 1)]
    return ["?"] * count
