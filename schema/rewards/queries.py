from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from models.accounts import Role
from models.rewards import (
    Benefit,
    BenefitCategory,
    BenefitProvider,
    InsurancePolicy,
    Redemption,
    RedemptionStatus,
)
from schema.core.context import Info
from schema.core.errors import access_error, query_input_error
from schema.core.permissions import requires
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, id_of, paginate
from schema.rewards.honours import InsurancePolicyType, ServiceCardCheck, ServiceCardType
from schema.rewards.types import (
    BenefitEligibility,
    BenefitProviderType,
    BenefitType,
    RedemptionType,
)
from services.common.errors import AccessError, DomainError
from services.rewards import benefits as rewards_benefits
from services.rewards import cards as rewards_cards
from services.rewards import provider_ids_of
from services.rewards import redemptions as rewards_redemptions


@strawberry.input(description="Narrows the benefit catalogue; every given field must match.")
class BenefitFilter:
    category: BenefitCategory | None = strawberry.field(
        default=None, description="Of this category."
    )
    provider: relay.GlobalID | None = strawberry.field(
        default=None, description="Granted by this provider."
    )
    include_withdrawn: bool = strawberry.field(
        default=False, description="Also benefits that were withdrawn."
    )


@strawberry.type
class Query:
    @strawberry.field(description="The benefit catalogue (18 in the city's scheme). Public.")
    async def benefits(
        self,
        info: Info,
        filter: BenefitFilter | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[BenefitType]:
        given = filter or BenefitFilter()
        query = Benefit.all()
        if not given.include_withdrawn:
            query = query.filter(active=True)
        if given.category is not None:
            query = query.filter(category=given.category)
        if given.provider is not None:
            query = query.filter(
                provider_id=id_of(given.provider, "BenefitProvider", "BenefitFilter.provider")
            )
        return await paginate(query, first, after, BenefitType.from_model)

    @strawberry.field(description="Hospitals, agencies, schools, merchants and insurers. Public.")
    async def benefit_providers(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[BenefitProviderType]:
        return await paginate(BenefitProvider.all(), first, after, BenefitProviderType.from_model)

    @strawberry.field(
        description="Benefits on offer that the signed-in volunteer can have now, or all of "
        "them with the reasons why not (`includeIneligible`). Someone who is not a volunteer "
        "gets a top-level error coded NOT_A_VOLUNTEER.",
        extensions=[requires()],
    )
    async def eligible_benefits(
        self,
        info: Info,
        include_ineligible: Annotated[
            bool, strawberry.argument(description="Also those you cannot have, with why not.")
        ] = False,
    ) -> list[BenefitEligibility]:
        principal = info.context.principal
        try:
            found = await rewards_benefits.eligible_benefits(principal, include_ineligible)
        except DomainError as error:
            raise query_input_error(error) from error
        return [BenefitEligibility.from_assessment(e) for e in found]

    @strawberry.field(
        description="The signed-in volunteer's redemptions, oldest first (empty for someone "
        "who is not a volunteer).",
        extensions=[requires()],
    )
    async def my_redemptions(
        self,
        info: Info,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        usable_only: Annotated[
            bool, strawberry.argument(description="Only codes not used and not expired.")
        ] = False,
    ) -> Connection[RedemptionType]:
        principal = info.context.principal
        try:
            query = await rewards_redemptions.mine(principal)
        except DomainError:
            query = Redemption.filter(id__in=[])
        if usable_only:
            query = query.filter(status=RedemptionStatus.ISSUED, expires_at__gt=datetime.now(UTC))
        return await paginate(query, first, after, lambda r: RedemptionType.from_model(r, True))

    @strawberry.field(
        description="The signed-in volunteer's live service card, else the latest.",
        extensions=[requires()],
    )
    async def my_service_card(self, info: Info) -> ServiceCardType | None:
        row = await rewards_cards.my_card(info.context.principal)
        return ServiceCardType.from_model(row) if row else None

    @strawberry.field(
        description="For a merchant's counter: a service card's status, and for a live card "
        "the holder's masked name and star level — nothing else. Provider accounts and "
        "administrators; each look-up is logged and limited per hour (CARD_CHECKS_PER_HOUR). "
        "A number failing its check digit is a top-level error INVALID_CARD_NUMBER; too many "
        "look-ups, RATE_LIMITED.",
        extensions=[requires()],
    )
    async def verify_service_card(
        self,
        info: Info,
        card_number: Annotated[
            str, strawberry.argument(description="16 digits; spaces and dashes are ignored.")
        ],
    ) -> ServiceCardCheck:
        try:
            result = await rewards_cards.check(info.context.principal, card_number)
        except DomainError as error:
            raise query_input_error(error) from error
        except AccessError as error:
            raise access_error(error) from error
        return ServiceCardCheck.from_result(result)

    @strawberry.field(
        description="The providers the signed-in user is a provider account of.",
        extensions=[requires()],
    )
    async def my_providers(self, info: Info) -> list[BenefitProviderType]:
        ids = await provider_ids_of(info.context.principal)
        rows = await BenefitProvider.filter(id__in=sorted(ids)).order_by("id")
        return [BenefitProviderType.from_model(r) for r in rows]

    @strawberry.field(
        description="Insurance policies recorded.",
        extensions=[requires(Role.ADMIN, Role.DISPATCHER)],
    )
    async def insurance_policies(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[InsurancePolicyType]:
        return await paginate(InsurancePolicy.all(), first, after, InsurancePolicyType.from_model)
