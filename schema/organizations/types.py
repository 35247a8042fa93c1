from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
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
from schema.organizations.loaders import (
    APPLICATIONS_OF_ORGANIZATION,
    MEMBER_COUNT,
    MEMBERS_OF_ORGANIZATION,
    ORGANIZATION,
)
from schema.organizations.visibility import visible_memberships
from schema.volunteers.loaders import VOLUNTEER
from schema.volunteers.types import VolunteerType
from services.organizations.errors import OrganizationErrorCode

strawberry.enum(OrganizationCategory, name="OrganizationCategory", description="The 18 categories.")
strawberry.enum(MembershipRole, description="Role inside an organisation.")
strawberry.enum(MembershipStatus, description="Where an application is.")
strawberry.enum(OrganizationErrorCode, description="Why an organisation request failed.")


async def _can_manage(info: Info, organization_id: int) -> bool:
    principal = info.context.principal
    return principal.is_admin or organization_id in await info.context.admin_organization_ids()


@strawberry.type(name="Organization", description="A volunteer service organisation.")
class OrganizationType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Registered name.")
    category: OrganizationCategory = strawberry.field(description="One of the 18 categories.")
    verified: bool = strawberry.field(description="Verified by the city.")
    description: str = strawberry.field(description="What the organisation does.")
    contact_name: str = strawberry.field(description="Public contact person.")
    contact_phone: str = strawberry.field(description="Public contact phone.")
    created_at: datetime = strawberry.field(description="When it was registered here.")
    district_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Organization) -> OrganizationType:
        return cls(
            id=row.id,
            name=row.name,
            category=row.category,
            verified=row.verified,
            description=row.description,
            contact_name=row.contact_name,
            contact_phone=row.contact_phone,
            created_at=row.created_at,
            district_id=row.district_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(Organization, node_ids, cls.from_model)

    @strawberry.field(description="District it is registered in.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Number of approved members.")
    async def member_count(self, info: Info) -> int:
        return await MEMBER_COUNT.load(info, self.id)

    @strawberry.field(description="Approved members, oldest first. Signed-in only; else empty.")
    async def members(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[MembershipType]:
        if not info.context.principal.is_authenticated:
            return page_of([], first, after, MembershipType.from_model)
        rows = await MEMBERS_OF_ORGANIZATION.load(info, self.id)
        return page_of(rows, first, after, MembershipType.from_model)

    @strawberry.field(
        description="Pending applications, in the order they were first made. For this "
        "organisation's admins and city administrators; empty for anyone else."
    )
    async def applications(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[MembershipType]:
        if not await _can_manage(info, self.id):
            return page_of([], first, after, MembershipType.from_model)
        rows = await APPLICATIONS_OF_ORGANIZATION.load(info, self.id)
        # Keyset cursors need one ascending key: the id, the application's first submission
        # (a re-application after a rejection keeps its row and its place).
        return page_of(sorted(rows, key=lambda r: r.id), first, after, MembershipType.from_model)


@strawberry.type(
    name="Membership", description="A volunteer's application to, or place in, an organisation."
)
class MembershipType(relay.Node):
    id: relay.NodeID[int]
    role: MembershipRole = strawberry.field(description="MEMBER or ADMIN.")
    status: MembershipStatus = strawberry.field(description="PENDING, APPROVED or REJECTED.")
    message: str = strawberry.field(description="The applicant's message.")
    applied_at: datetime = strawberry.field(description="When the volunteer applied.")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")
    decision_note: str = strawberry.field(description="The deciding admin's note.")
    volunteer_id: strawberry.Private[int]
    organization_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Membership) -> MembershipType:
        return cls(
            id=row.id,
            role=row.role,
            status=row.status,
            message=row.message,
            applied_at=row.applied_at,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            volunteer_id=row.volunteer_id,
            organization_id=row.organization_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = database_ids(node_ids)
        rows = await visible_memberships(info.context, ids)
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    @strawberry.field(description="The volunteer.")
    async def volunteer(self, info: Info) -> VolunteerType:
        row = await VOLUNTEER.load(info, self.volunteer_id)
        assert row is not None
        return VolunteerType.from_model(row)

    @strawberry.field(description="The organisation.")
    async def organization(self, info: Info) -> OrganizationType:
        row = await ORGANIZATION.load(info, self.organization_id)
        assert row is not None
        return OrganizationType.from_model(row)


@strawberry.type(description="A problem with an organisation request.")
class OrganizationError(DomainErrorType[OrganizationErrorCode]):
    pass


@payload_type(description="The organisation after the change, or why nothing changed.")
class OrganizationPayload(Payload[OrganizationError]):
    organization: OrganizationType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="The membership after the change, or why nothing changed.")
class MembershipPayload(Payload[OrganizationError]):
    membership: MembershipType | None = strawberry.field(
        default=None, description="Null on errors."
    )
