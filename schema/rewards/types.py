"""The catalogue and redemptions as GraphQL types, the rewards error type and the payloads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from models.rewards import (
    Benefit,
    BenefitCategory,
    BenefitDelivery,
    BenefitProvider,
    ProviderKind,
    Redemption,
)
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    database_ids,
    load_nodes,
    page_of,
)
from schema.geography.loaders import DISTRICT
from schema.geography.types import DistrictType
from schema.rewards.loaders import BENEFIT, BENEFIT_PROVIDER, BENEFITS_OF_PROVIDER
from schema.volunteers.loaders import VOLUNTEER
from services.common import lookups
from services.rewards import redemptions as rewards_redemptions
from services.rewards.benefits import Eligibility, IneligibleReason
from services.rewards.cards import mask_name
from services.rewards.errors import RewardsErrorCode
from services.rewards.redemptions import RedemptionState

strawberry.enum(RewardsErrorCode, description="Why a rewards request failed.")
strawberry.enum(ProviderKind, description="What sort of body a provider is.")
strawberry.enum(BenefitCategory, description="What a benefit is about.")
strawberry.enum(
    BenefitDelivery,
    description="How a volunteer gets it: CODE (redeem for a one-time code the provider "
    "verifies), SERVICE_CARD (show the service card), AUTOMATIC (granted without asking).",
)
strawberry.enum(IneligibleReason, description="Why a volunteer cannot have a benefit now.")
strawberry.enum(RedemptionState, description="ISSUED (usable), USED, or EXPIRED unused.")


@strawberry.type(
    name="BenefitProvider",
    description="Who grants a benefit: a hospital, agency, school, merchant or insurer.",
)
class BenefitProviderType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name.")
    kind: ProviderKind = strawberry.field(description="What sort of body it is.")
    address: str = strawberry.field(description="Public address; may be empty.")
    contact_phone: str = strawberry.field(description="Public contact phone; may be empty.")
    row: strawberry.Private[BenefitProvider]

    @classmethod
    def from_model(cls, row: BenefitProvider) -> BenefitProviderType:
        return cls(
            id=row.id,
            name=row.name,
            kind=row.kind,
            address=row.address,
            contact_phone=row.contact_phone,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(BenefitProvider, node_ids, cls.from_model)

    @strawberry.field(description="District it serves; null for city-wide providers.")
    async def district(self, info: Info) -> DistrictType | None:
        if self.row.district_id is None:
            return None
        row = await DISTRICT.load(info, self.row.district_id)
        return DistrictType.from_model(row) if row else None

    @strawberry.field(description="Its benefits, withdrawn ones included, oldest first.")
    async def benefits(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[BenefitType]:
        rows = await BENEFITS_OF_PROVIDER.load(info, self.id)
        return page_of(rows, first, after, BenefitType.from_model)


@strawberry.type(name="Benefit", description="One preferential treatment (优待) of the scheme.")
class BenefitType(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable key, e.g. MEDICAL_GREEN_CHANNEL.")
    name: str = strawberry.field(description="Name.")
    description: str = strawberry.field(description="What the volunteer gets, and how.")
    basis: str = strawberry.field(
        description="The clause of the scheme it implements, quoted from the seed where named."
    )
    category: BenefitCategory = strawberry.field(description="What it is about.")
    delivery: BenefitDelivery = strawberry.field(description="How it is obtained.")
    min_star_level: int = strawberry.field(description="Star level needed (0 = none).")
    min_recent_hours: Decimal | None = strawberry.field(
        description="Confirmed hours needed in the last 12 months; null for none."
    )
    valid_from: datetime = strawberry.field(description="Offered from.")
    valid_until: datetime | None = strawberry.field(description="Offered until; null: open.")
    stock: int | None = strawberry.field(description="How many in all; null: unlimited.")
    per_volunteer_limit: int | None = strawberry.field(
        description="How many one volunteer may redeem; null: no limit."
    )
    active: bool = strawberry.field(description="False once withdrawn.")
    row: strawberry.Private[Benefit]

    @classmethod
    def from_model(cls, row: Benefit) -> BenefitType:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            description=row.description,
            basis=row.basis,
            category=row.category,
            delivery=row.delivery,
            min_star_level=row.min_star_level,
            min_recent_hours=row.min_recent_hours,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            stock=row.stock,
            per_volunteer_limit=row.per_volunteer_limit,
            active=row.active,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(Benefit, node_ids, cls.from_model)

    @strawberry.field(description="How many are left; null when unlimited.")
    def remaining(self) -> int | None:
        return None if self.row.stock is None else max(self.row.stock - self.row.redeemed, 0)

    @strawberry.field(description="Who grants it.")
    async def provider(self, info: Info) -> BenefitProviderType:
        row = await BENEFIT_PROVIDER.load(info, self.row.provider_id)
        assert row is not None
        return BenefitProviderType.from_model(row)


@strawberry.type(description="One reason a benefit is not yours now.")
class Ineligibility:
    reason: IneligibleReason = strawberry.field(description="Machine-readable reason.")
    message: str = strawberry.field(description="What is missing, in numbers.")


@strawberry.type(description="A benefit on offer, assessed for the signed-in volunteer.")
class BenefitEligibility:
    benefit: BenefitType = strawberry.field(description="The benefit.")
    eligible: bool = strawberry.field(description="True when you can have it now.")
    reasons: list[Ineligibility] = strawberry.field(description="Why not; empty when eligible.")
    redeemed_by_you: int = strawberry.field(description="How many you have redeemed.")
    left_for_you: int | None = strawberry.field(
        description="How many more you may redeem; null when there is no per-volunteer limit."
    )

    @classmethod
    def from_assessment(cls, found: Eligibility) -> BenefitEligibility:
        return cls(
            benefit=BenefitType.from_model(found.benefit),
            eligible=found.eligible,
            reasons=[Ineligibility(reason=r.reason, message=r.message) for r in found.reasons],
            redeemed_by_you=found.taken,
            left_for_you=found.left_for_you,
        )


@strawberry.type(
    name="Redemption",
    description="A benefit redeemed by a volunteer: a one-time code its provider verifies.",
)
class RedemptionType(relay.Node):
    id: relay.NodeID[int]
    state: RedemptionState = strawberry.field(description="ISSUED, USED or EXPIRED.")
    created_at: datetime = strawberry.field(description="When it was redeemed.")
    expires_at: datetime = strawberry.field(description="The code is void after this.")
    used_at: datetime | None = strawberry.field(description="When the provider verified it.")
    row: strawberry.Private[Redemption]
    show_code: strawberry.Private[bool]

    @classmethod
    def from_model(cls, row: Redemption, show_code: bool) -> RedemptionType:
        return cls(
            id=row.id,
            state=rewards_redemptions.state_of(row),
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
            row=row,
            show_code=show_code,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal = info.context.principal
        rows = await lookups.by_ids(Redemption, database_ids(node_ids))
        return [
            cls.from_model(r, True)
            if r and await rewards_redemptions.may_see_code(principal, r)
            else None
            for r in rows
        ]

    @strawberry.field(description="The one-time code; null for anyone but its volunteer.")
    def code(self) -> str | None:
        return self.row.code if self.show_code else None

    @strawberry.field(description="The benefit redeemed.")
    async def benefit(self, info: Info) -> BenefitType:
        row = await BENEFIT.load(info, self.row.benefit_id)
        assert row is not None
        return BenefitType.from_model(row)

    @strawberry.field(description="The volunteer's name, masked (陈**): what a counter checks.")
    async def holder_name(self, info: Info) -> str:
        row = await VOLUNTEER.load(info, self.row.volunteer_id)
        return mask_name(row.real_name) if row else ""


@strawberry.type(description="A problem with a rewards request.")
class RewardsError(DomainErrorType[RewardsErrorCode]):
    pass


@payload_type(description="The provider after the change, or why nothing changed.")
class BenefitProviderPayload(Payload[RewardsError]):
    provider: BenefitProviderType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="The benefit after the change, or why nothing changed.")
class BenefitPayload(Payload[RewardsError]):
    benefit: BenefitType | None = strawberry.field(default=None, description="Null on errors.")


@payload_type(description="The redemption (new, replayed or verified), or why not.")
class RedemptionPayload(Payload[RewardsError]):
    redemption: RedemptionType | None = strawberry.field(
        default=None, description="Null on errors."
    )
