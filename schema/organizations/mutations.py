from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum

import strawberry
from strawberry import relay

from models.accounts import Role
from models.organizations import Membership, MembershipRole, Organization, OrganizationCategory
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.organizations.types import (
    MembershipPayload,
    MembershipType,
    OrganizationPayload,
    OrganizationType,
)
from services import organizations
from services.organizations.errors import OrganizationErrorCode


@strawberry.enum(description="An admin's answer to an application.")
class MembershipDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.input(description="A new organisation.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="Registered name, unique in the city.")
    category: OrganizationCategory = strawberry.field(description="One of the 18 categories.")
    district: relay.GlobalID = strawberry.field(description="District it is registered in.")
    description: str = strawberry.field(default="", description="What it does.")
    contact_name: str = strawberry.field(default="", description="Public contact person.")
    contact_phone: str = strawberry.field(default="", description="Public contact phone.")


@strawberry.input(description="Mark an organisation verified (or not). Administrators only.")
class VerifyOrganizationInput:
    organization: relay.GlobalID = strawberry.field(description="The organisation.")
    verified: bool = strawberry.field(default=True, description="The new verified flag.")
    reason: str = strawberry.field(
        default="",
        description="Why (≤500); required to withdraw a verification. Kept in the audit log.",
    )


@strawberry.input(description="Apply to join an organisation as the signed-in volunteer.")
class ApplyToOrganizationInput:
    organization: relay.GlobalID = strawberry.field(description="The organisation.")
    message: str = strawberry.field(default="", description="A note to its admins (≤500).")


@strawberry.input(description="Approve or reject a pending application.")
class DecideMembershipInput:
    membership: relay.GlobalID = strawberry.field(description="The application.")
    decision: MembershipDecision = strawberry.field(description="APPROVE or REJECT.")
    role: MembershipRole = strawberry.field(
        default=MembershipRole.MEMBER, description="Role granted on approval."
    )
    note: str = strawberry.field(default="", description="A note to the applicant (≤500).")


async def _organization(call: Awaitable[Organization]) -> OrganizationPayload:
    return await payload(
        OrganizationPayload,
        call,
        lambda row: OrganizationPayload(organization=OrganizationType.from_model(row)),
    )


async def _membership(call: Awaitable[Membership]) -> MembershipPayload:
    return await payload(
        MembershipPayload,
        call,
        lambda row: MembershipPayload(membership=MembershipType.from_model(row)),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Found an organisation (you become its admin; it starts unverified), or, as "
        "an administrator, register one (it starts verified).",
        extensions=[requires()],
    )
    async def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        district_id = decode_id(input.district, "District")
        if district_id is None:
            return OrganizationPayload.failed(
                problem(OrganizationErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
            )
        data = organizations.NewOrganization(
            name=input.name,
            category=input.category,
            district_id=district_id,
            description=input.description,
            contact_name=input.contact_name,
            contact_phone=input.contact_phone,
        )
        return await _organization(organizations.create(info.context.principal, data))

    @strawberry.mutation(
        description="Verify an organisation, or withdraw its verification with a reason; "
        "recorded in the audit log. Refusals are coded ORGANIZATION_NOT_FOUND, REASON_REQUIRED "
        "or REASON_TOO_LONG.",
        extensions=[requires(Role.ADMIN)],
    )
    async def verify_organization(
        self, info: Info, input: VerifyOrganizationInput
    ) -> OrganizationPayload:
        organization_id = decode_id(input.organization, "Organization")
        if organization_id is None:
            return OrganizationPayload.failed(
                problem(
                    OrganizationErrorCode.ORGANIZATION_NOT_FOUND,
                    "No such organisation.",
                    "organization",
                )
            )
        return await _organization(
            organizations.set_verified(
                info.context.principal, organization_id, input.verified, input.reason
            )
        )

    @strawberry.mutation(
        description="Apply to join an organisation; its admins decide.", extensions=[requires()]
    )
    async def apply_to_organization(
        self, info: Info, input: ApplyToOrganizationInput
    ) -> MembershipPayload:
        organization_id = decode_id(input.organization, "Organization")
        if organization_id is None:
            return MembershipPayload.failed(
                problem(
                    OrganizationErrorCode.ORGANIZATION_NOT_FOUND,
                    "No such organisation.",
                    "organization",
                )
            )
        return await _membership(
            organizations.apply(info.context.principal, organization_id, input.message)
        )

    @strawberry.mutation(
        description="Approve or reject an application (organisation admins).",
        extensions=[requires()],
    )
    async def decide_membership(
        self, info: Info, input: DecideMembershipInput
    ) -> MembershipPayload:
        membership_id = decode_id(input.membership, "Membership")
        if membership_id is None:
            return MembershipPayload.failed(
                problem(
                    OrganizationErrorCode.MEMBERSHIP_NOT_FOUND, "No such application.", "membership"
                )
            )
        return await _membership(
            organizations.decide(
                info.context.principal,
                membership_id,
                approve=input.decision == MembershipDecision.APPROVE,
                role=input.role,
                note=input.note,
            )
        )
