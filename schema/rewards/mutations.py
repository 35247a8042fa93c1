"""The catalogue (administrators), redeeming (volunteers) and verifying (provider accounts)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from models.accounts import Role
from models.rewards import BenefitCategory, BenefitDelivery, ProviderKind
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.rewards.types import (
    BenefitPayload,
    BenefitProviderPayload,
    BenefitProviderType,
    BenefitType,
    RedemptionPayload,
    RedemptionType,
)
from services.rewards import catalogue as rewards_catalogue
from services.rewards import providers as rewards_providers
from services.rewards import redemptions as rewards_redemptions
from services.rewards.errors import RewardsErrorCode

KEY_DESCRIPTION = (
    "Your unique key for this request (1-100 characters): a retry with the same key and input "
    "returns the first redemption; other input is IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(description="A new benefit provider.")
class CreateBenefitProviderInput:
    name: str = strawberry.field(description="Unique name (≤128).")
    kind: ProviderKind = strawberry.field(description="What sort of body it is.")
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="District it serves; omit for city-wide."
    )
    address: str = strawberry.field(default="", description="Public address (≤200).")
    contact_phone: str = strawberry.field(default="", description="Public phone.")


@strawberry.input(description="What to change in a benefit provider; omitted fields stay.")
class UpdateBenefitProviderInput:
    provider: relay.GlobalID = strawberry.field(description="The provider.")
    name: str | None = strawberry.field(default=None, description="Unique name (≤128).")
    kind: ProviderKind | None = strawberry.field(default=None, description="What sort of body.")
    district: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="District it serves; null for city-wide."
    )
    address: str | None = strawberry.field(default=None, description="Public address (≤200).")
    contact_phone: str | None = strawberry.field(
        default=None, description="Public phone; empty to clear."
    )


@strawberry.input(description="Link (or unlink) a user as a provider account.")
class ProviderStaffInput:
    provider: relay.GlobalID = strawberry.field(description="The provider.")
    user: relay.GlobalID = strawberry.field(description="The user (a User ID).")


@strawberry.input(description="A new benefit of the scheme.")
class CreateBenefitInput:
    code: str = strawberry.field(description="Stable key: A-Z, 0-9, _ (3-48).")
    name: str = strawberry.field(description="Name (≤128).")
    category: BenefitCategory = strawberry.field(description="What it is about.")
    provider: relay.GlobalID = strawberry.field(description="Who grants it.")
    valid_from: datetime = strawberry.field(description="Offered from.")
    delivery: BenefitDelivery = strawberry.field(
        default=BenefitDelivery.CODE, description="How it is obtained."
    )
    description: str = strawberry.field(default="", description="What the volunteer gets.")
    basis: str = strawberry.field(default="", description="The clause of the scheme.")
    min_star_level: int = strawberry.field(default=0, description="Star level needed (0-5).")
    min_recent_hours: Decimal | None = strawberry.field(
        default=None, description="Confirmed hours needed in the last 12 months."
    )
    valid_until: datetime | None = strawberry.field(default=None, description="Offered until.")
    stock: int | None = strawberry.field(default=None, description="How many in all (CODE).")
    per_volunteer_limit: int | None = strawberry.field(
        default=None, description="How many one volunteer may redeem (CODE)."
    )


@strawberry.input(description="Changes to a benefit: only the fields given change; null clears.")
class UpdateBenefitInput:
    benefit: relay.GlobalID = strawberry.field(description="The benefit.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Name.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="Description.")
    basis: str | None = strawberry.field(default=strawberry.UNSET, description="Basis.")
    min_star_level: int | None = strawberry.field(
        default=strawberry.UNSET, description="Star level needed (0-5)."
    )
    min_recent_hours: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description="Recent hours needed; null for none."
    )
    valid_until: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Offered until; null for open-ended."
    )
    stock: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="How many in all; null for unlimited; not below what was redeemed.",
    )
    per_volunteer_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Per-volunteer limit; null for none."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False withdraws it; true offers it again."
    )


@strawberry.input(description="Redeem a benefit for a one-time code.")
class RedeemBenefitInput:
    benefit: relay.GlobalID = strawberry.field(description="The benefit.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="A code a volunteer shows at the provider's counter.")
class VerifyRedemptionInput:
    code: str = strawberry.field(description="The 10-character code; case, spaces, dashes free.")


# Fields of UpdateBenefitInput whose null means "none" rather than "no change".
_NOT_NULL = {"name", "description", "basis", "min_star_level", "active"}


def _changes(given: UpdateBenefitInput) -> tuple[dict[str, Any], list[str]]:
    changes: dict[str, Any] = {}
    nulls = []
    for key in rewards_catalogue.CHANGEABLE:
        value = getattr(given, key)
        if value is strawberry.UNSET:
            continue
        if value is None and key in _NOT_NULL:
            nulls.append(key)
            continue
        changes[key] = value
    return changes, nulls


async def _provider_payload(call: Awaitable[Any]) -> BenefitProviderPayload:
    return await payload(
        BenefitProviderPayload,
        call,
        lambda row: BenefitProviderPayload(provider=BenefitProviderType.from_model(row)),
    )


async def _benefit_payload(call: Awaitable[Any]) -> BenefitPayload:
    return await payload(
        BenefitPayload, call, lambda row: BenefitPayload(benefit=BenefitType.from_model(row))
    )


async def _redemption_payload(call: Awaitable[Any]) -> RedemptionPayload:
    return await payload(
        RedemptionPayload,
        call,
        lambda row: RedemptionPayload(redemption=RedemptionType.from_model(row, True)),
    )


def _missing(code: RewardsErrorCode, field: str) -> list[Any]:
    what = code.value.removesuffix("_NOT_FOUND").lower()
    return problem(code, f"No such {what}.", field)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a benefit provider.", extensions=[requires(Role.ADMIN)])
    async def create_benefit_provider(
        self, info: Info, input: CreateBenefitProviderInput
    ) -> BenefitProviderPayload:
        principal = info.context.principal
        district_id = decode_id(input.district, "District") if input.district else None
        if input.district and district_id is None:
            return BenefitProviderPayload.failed(
                _missing(RewardsErrorCode.DISTRICT_NOT_FOUND, "district")
            )
        data = rewards_providers.NewProvider(
            name=input.name,
            kind=input.kind,
            district_id=district_id,
            address=input.address,
            contact_phone=input.contact_phone,
        )
        return await _provider_payload(rewards_providers.create_provider(principal, data))

    @strawberry.mutation(
        description="Change a benefit provider's name, kind, district, address or phone, "
        "recorded in the audit log. Refusals are coded PROVIDER_NOT_FOUND, INVALID_TEXT, "
        "DUPLICATE_NAME or DISTRICT_NOT_FOUND.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_benefit_provider(
        self, info: Info, input: UpdateBenefitProviderInput
    ) -> BenefitProviderPayload:
        provider_id = decode_id(input.provider, "BenefitProvider")
        if provider_id is None:
            return BenefitProviderPayload.failed(
                _missing(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider")
            )
        district_id: int | None = None
        if input.district is None:
            district_id = 0
        elif input.district is not strawberry.UNSET:
            district_id = decode_id(input.district, "District")
            if district_id is None:
                return BenefitProviderPayload.failed(
                    _missing(RewardsErrorCode.DISTRICT_NOT_FOUND, "district")
                )
        change = rewards_providers.ProviderChange(
            name=input.name,
            kind=input.kind,
            district_id=district_id,
            address=input.address,
            contact_phone=input.contact_phone,
        )
        call = rewards_providers.update_provider(info.context.principal, provider_id, change)
        return await _provider_payload(call)

    @strawberry.mutation(
        description="Make a user a provider account of a provider: they may then "
        "verify its redemptions and check service cards. Adding twice changes nothing.",
        extensions=[requires(Role.ADMIN)],
    )
    async def add_provider_staff(
        self, info: Info, input: ProviderStaffInput
    ) -> BenefitProviderPayload:
        return await _staff(info, input, rewards_providers.add_staff)

    @strawberry.mutation(
        description="Unlink a provider account.", extensions=[requires(Role.ADMIN)]
    )
    async def remove_provider_staff(
        self, info: Info, input: ProviderStaffInput
    ) -> BenefitProviderPayload:
        return await _staff(info, input, rewards_providers.remove_staff)

    @strawberry.mutation(
        description="Add a benefit to the catalogue.", extensions=[requires(Role.ADMIN)]
    )
    async def create_benefit(self, info: Info, input: CreateBenefitInput) -> BenefitPayload:
        principal = info.context.principal
        provider_id = decode_id(input.provider, "BenefitProvider")
        if provider_id is None:
            return BenefitPayload.failed(_missing(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider"))
        data = rewards_catalogue.NewBenefit(
            code=input.code,
            name=input.name,
            category=input.category,
            provider_id=provider_id,
            valid_from=input.valid_from,
            delivery=input.delivery,
            description=input.description,
            basis=input.basis,
            min_star_level=input.min_star_level,
            min_recent_hours=input.min_recent_hours,
            valid_until=input.valid_until,
            stock=input.stock,
            per_volunteer_limit=input.per_volunteer_limit,
        )
        return await _benefit_payload(rewards_catalogue.create_benefit(principal, data))

    @strawberry.mutation(
        description="Change a benefit's terms, stock or availability. Withdraw it "
        "with `active: false`; redemptions already made stay valid.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_benefit(self, info: Info, input: UpdateBenefitInput) -> BenefitPayload:
        principal = info.context.principal
        benefit_id = decode_id(input.benefit, "Benefit")
        if benefit_id is None:
            return BenefitPayload.failed(_missing(RewardsErrorCode.BENEFIT_NOT_FOUND, "benefit"))
        changes, nulls = _changes(input)
        if nulls:
            return BenefitPayload.failed(
                problem(RewardsErrorCode.INVALID_TEXT, "May not be null.", nulls[0])
            )
        call = rewards_catalogue.update_benefit(principal, benefit_id, changes)
        return await _benefit_payload(call)

    @strawberry.mutation(
        description="Redeem a benefit for a one-time code (a volunteer). Coded errors: "
        "NOT_ELIGIBLE (star level, recent hours, not active), OUT_OF_STOCK, LIMIT_REACHED, "
        "EXPIRED, NOT_YET_VALID, WITHDRAWN, NOT_REDEEMABLE, IDEMPOTENCY_KEY_REUSED.",
        extensions=[requires()],
    )
    async def redeem_benefit(self, info: Info, input: RedeemBenefitInput) -> RedemptionPayload:
        principal = info.context.principal
        benefit_id = decode_id(input.benefit, "Benefit")
        if benefit_id is None:
            return RedemptionPayload.failed(
                _missing(RewardsErrorCode.BENEFIT_NOT_FOUND, "benefitId")
            )
        call = rewards_redemptions.redeem(principal, benefit_id, input.idempotency_key)
        return await _redemption_payload(call)

    @strawberry.mutation(
        description="Verify a redemption code and mark it used, once (a provider account of "
        "the benefit's provider, or an administrator). Codes of other providers are "
        "REDEMPTION_NOT_FOUND; a second verification is ALREADY_USED; a late one EXPIRED.",
        extensions=[requires()],
    )
    async def verify_redemption(
        self, info: Info, input: VerifyRedemptionInput
    ) -> RedemptionPayload:
        principal = info.context.principal
        return await _redemption_payload(rewards_redemptions.verify(principal, input.code))


async def _staff(info: Info, input: ProviderStaffInput, change: Any) -> BenefitProviderPayload:
    principal = info.context.principal
    provider_id = decode_id(input.provider, "BenefitProvider")
    user_id = decode_id(input.user, "User")
    if provider_id is None:
        return BenefitProviderPayload.failed(
            _missing(RewardsErrorCode.PROVIDER_NOT_FOUND, "provider")
        )
    if user_id is None:
        return BenefitProviderPayload.failed(_missing(RewardsErrorCode.USER_NOT_FOUND, "user"))
    return await _provider_payload(change(principal, provider_id, user_id))
