"""Service cards, insurance cover and commendations."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from models.accounts import Role
from models.rewards import InsurancePolicy
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.rewards.honours import (
    CommendationPayload,
    CommendationType,
    CoveragePayload,
    InsurancePolicyPayload,
    InsurancePolicyType,
    ServiceCardPayload,
    ServiceCardType,
)
from services.rewards import cards as rewards_cards
from services.rewards import cover as rewards_cover
from services.rewards.cards import CardAction
from services.rewards.errors import RewardsErrorCode


@strawberry.input(description="Issue a service card to a volunteer.")
class IssueServiceCardInput:
    volunteer: relay.GlobalID = strawberry.field(description="An active volunteer.")


@strawberry.input(description="A change to one service card.")
class ServiceCardInput:
    card: relay.GlobalID = strawberry.field(description="The card.")
    note: str = strawberry.field(default="", description="Why (≤200).")


@strawberry.input(description="A group accident policy bought for volunteers.")
class RecordInsurancePolicyInput:
    policy_number: str = strawberry.field(description="The insurer's policy number (unique).")
    insurer: str = strawberry.field(description="The insurance company.")
    coverage: str = strawberry.field(description="What it covers, e.g. accidental injury.")
    starts_on: date = strawberry.field(name="from", description="First day covered.")
    ends_on: date = strawberry.field(name="to", description="Last day covered.")
    sum_insured: Decimal | None = strawberry.field(default=None, description="Per person, yuan.")


@strawberry.input(description="Corrections to a recorded policy; omitted fields stay.")
class UpdateInsurancePolicyInput:
    policy: relay.GlobalID = strawberry.field(description="The policy.")
    insurer: str | None = strawberry.field(default=None, description="The insurance company.")
    coverage: str | None = strawberry.field(default=None, description="What it covers.")
    starts_on: date | None = strawberry.field(
        default=None, name="from", description="First day covered."
    )
    ends_on: date | None = strawberry.field(default=None, name="to", description="Last day.")
    sum_insured: Decimal | None = strawberry.field(default=None, description="Per person, yuan.")


@strawberry.input(description="Cover volunteers under a policy.")
class CoverVolunteersInput:
    policy: relay.GlobalID = strawberry.field(description="The policy.")
    volunteers: list[relay.GlobalID] = strawberry.field(description="1-500 active volunteers.")


@strawberry.input(description="Cover every active volunteer (of a district) under a policy.")
class CoverActiveVolunteersInput:
    policy: relay.GlobalID = strawberry.field(description="The policy.")
    district: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this district's volunteers; omit for the whole city."
    )


@strawberry.input(description="A commendation (嘉许).")
class CommendVolunteerInput:
    volunteer: relay.GlobalID = strawberry.field(description="Who is commended.")
    title: str = strawberry.field(description="E.g. 优秀志愿者 (≤128).")
    awarded_on: date = strawberry.field(description="The date on the certificate.")
    citation: str = strawberry.field(default="", description="What for (≤500).")
    issuer: str | None = strawberry.field(
        default=None,
        description="Issuing body; defaults to the organisation's name, or the city's "
        "volunteer federation (惠州市志愿服务联合会).",
    )
    organization: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Commend in an organisation's name (its admins; the volunteer must be "
        "a member). Omit for the city (ADMIN).",
    )


async def _card_payload(call: Awaitable[Any]) -> ServiceCardPayload:
    return await payload(
        ServiceCardPayload,
        call,
        lambda row: ServiceCardPayload(card=ServiceCardType.from_model(row)),
    )


def _no_card() -> ServiceCardPayload:
    return ServiceCardPayload.failed(
        problem(RewardsErrorCode.CARD_NOT_FOUND, "No such card.", "card")
    )


async def _change(info: Info, input: ServiceCardInput, action: CardAction) -> ServiceCardPayload:
    principal = info.context.principal
    card_id = decode_id(input.card, "ServiceCard")
    if card_id is None:
        return _no_card()
    call = rewards_cards.change(principal, card_id, action, input.note)
    return await _card_payload(call)


def _admin_change(action: CardAction, description: str) -> Any:
    async def resolve(info: Info, input: ServiceCardInput) -> ServiceCardPayload:
        return await _change(info, input, action)

    return strawberry.mutation(resolve, description=description, extensions=[requires(Role.ADMIN)])


async def _policy_payload(call: Awaitable[InsurancePolicy]) -> InsurancePolicyPayload:
    return await payload(
        InsurancePolicyPayload,
        call,
        lambda row: InsurancePolicyPayload(policy=InsurancePolicyType.from_model(row)),
    )


async def _coverage(policy_id: int, work: Awaitable[int]) -> CoveragePayload:
    async def cover() -> CoveragePayload:
        added = await work
        policy = await InsurancePolicy.get_or_none(id=policy_id)
        return CoveragePayload(
            policy=InsurancePolicyType.from_model(policy) if policy else None, added=added
        )

    return await payload(CoveragePayload, cover(), lambda covered: covered)


def _no_policy() -> CoveragePayload:
    missing = problem(RewardsErrorCode.POLICY_NOT_FOUND, "No such policy.", "policy")
    return CoveragePayload.failed(missing)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Issue a service card to an active volunteer.",
        extensions=[requires(Role.ADMIN)],
    )
    async def issue_service_card(
        self, info: Info, input: IssueServiceCardInput
    ) -> ServiceCardPayload:
        volunteer_id = decode_id(input.volunteer, "Volunteer")
        if volunteer_id is None:
            missing = problem(
                RewardsErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "volunteer"
            )
            return ServiceCardPayload.failed(missing)
        return await _card_payload(rewards_cards.issue(info.context.principal, volunteer_id))

    activate_service_card = _admin_change(CardAction.ACTIVATE, "ISSUED → ACTIVE.")
    freeze_service_card = _admin_change(
        CardAction.FREEZE, "ISSUED or ACTIVE → FROZEN: merchants stop honouring it."
    )
    unfreeze_service_card = _admin_change(CardAction.UNFREEZE, "FROZEN → ACTIVE.")

    @strawberry.mutation(
        description="Report a card lost (its holder, or an administrator): it is dead at once; "
        "an administrator reissues a new number.",
        extensions=[requires()],
    )
    async def report_service_card_lost(
        self, info: Info, input: ServiceCardInput
    ) -> ServiceCardPayload:
        return await _change(info, input, CardAction.REPORT_LOST)

    @strawberry.mutation(
        description="A new card with a new number for a lost or damaged one; the old "
        "number is dead (LOST stays LOST, others become REPLACED). Not for a FROZEN card.",
        extensions=[requires(Role.ADMIN)],
    )
    async def reissue_service_card(self, info: Info, input: ServiceCardInput) -> ServiceCardPayload:
        card_id = decode_id(input.card, "ServiceCard")
        if card_id is None:
            return _no_card()
        call = rewards_cards.reissue(info.context.principal, card_id, input.note)
        return await _card_payload(call)

    @strawberry.mutation(
        description="Record a group accident policy for volunteers.",
        extensions=[requires(Role.ADMIN)],
    )
    async def record_insurance_policy(
        self, info: Info, input: RecordInsurancePolicyInput
    ) -> InsurancePolicyPayload:
        data = rewards_cover.NewPolicy(
            policy_number=input.policy_number,
            insurer=input.insurer,
            coverage=input.coverage,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            sum_insured=input.sum_insured,
        )
        return await _policy_payload(rewards_cover.record_policy(info.context.principal, data))

    @strawberry.mutation(
        description="Correct a recorded policy (insurer, coverage, sum, period), recorded in "
        "the audit log. The period may not shrink past a volunteer's cover under it. Refusals "
        "are coded POLICY_NOT_FOUND, INVALID_TEXT, INVALID_AMOUNT or INVALID_PERIOD.",
        extensions=[requires(Role.ADMIN)],
    )
    async def update_insurance_policy(
        self, info: Info, input: UpdateInsurancePolicyInput
    ) -> InsurancePolicyPayload:
        policy_id = decode_id(input.policy, "InsurancePolicy")
        if policy_id is None:
            return InsurancePolicyPayload.failed(
                problem(RewardsErrorCode.POLICY_NOT_FOUND, "No such policy.", "policy")
            )
        change = rewards_cover.PolicyChange(
            insurer=input.insurer,
            coverage=input.coverage,
            sum_insured=input.sum_insured,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
        )
        call = rewards_cover.update_policy(info.context.principal, policy_id, change)
        return await _policy_payload(call)

    @strawberry.mutation(
        description="Cover named active volunteers under a policy.",
        extensions=[requires(Role.ADMIN)],
    )
    async def cover_volunteers(self, info: Info, input: CoverVolunteersInput) -> CoveragePayload:
        policy_id = decode_id(input.policy, "InsurancePolicy")
        if policy_id is None:
            return _no_policy()
        # An ID of another type names no volunteer: reported as VOLUNTEER_NOT_FOUND (id 0).
        ids = [decode_id(v, "Volunteer") or 0 for v in input.volunteers]
        work = rewards_cover.cover(info.context.principal, policy_id, ids)
        return await _coverage(policy_id, work)

    @strawberry.mutation(
        description="Cover every active volunteer of the city (or a district) not yet covered "
        "by the policy: one statement, whatever their number.",
        extensions=[requires(Role.ADMIN)],
    )
    async def cover_active_volunteers(
        self, info: Info, input: CoverActiveVolunteersInput
    ) -> CoveragePayload:
        policy_id = decode_id(input.policy, "InsurancePolicy")
        if policy_id is None:
            return _no_policy()
        district_id = None
        if input.district is not None:
            district_id = decode_id(input.district, "District") or -1
        work = rewards_cover.cover_active(info.context.principal, policy_id, district_id)
        return await _coverage(policy_id, work)

    @strawberry.mutation(
        description="Commend a volunteer: for the city (administrators) or in an "
        "organisation's name (its admins, for its members).",
        extensions=[requires()],
    )
    async def commend_volunteer(
        self, info: Info, input: CommendVolunteerInput
    ) -> CommendationPayload:
        principal = info.context.principal
        volunteer_id = decode_id(input.volunteer, "Volunteer")
        organization_id = None
        if input.organization is not None:
            organization_id = decode_id(input.organization, "Organization") or 0
        if volunteer_id is None:
            missing = problem(
                RewardsErrorCode.VOLUNTEER_NOT_FOUND, "No such volunteer.", "volunteer"
            )
            return CommendationPayload.failed(missing)
        data = rewards_cover.NewCommendation(
            volunteer_id=volunteer_id,
            title=input.title,
            awarded_on=input.awarded_on,
            citation=input.citation,
            issuer=input.issuer,
            organization_id=organization_id,
        )
        return await payload(
            CommendationPayload,
            rewards_cover.commend(principal, data),
            lambda row: CommendationPayload(commendation=CommendationType.from_model(row)),
        )
