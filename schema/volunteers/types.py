from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models.volunteers import Availability, Gender, Skill, Volunteer, VolunteerStatus, unpack_tags
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, PageSize, load_nodes, page_of
from schema.geography.loaders import COMMUNITY, DISTRICT
from schema.geography.types import CommunityType, DistrictType, GeoPoint
from schema.volunteers.loaders import (
    CIVIC_REPORTS_FILED,
    MEMBERSHIPS_OF_VOLUNTEER,
    ORGANIZATIONS_OF_VOLUNTEER,
)
from services.common.identity import mask_id_number, mask_phone
from services.common.privacy import PersonalDataAccess, access_to_volunteer
from services.volunteers import star_level
from services.volunteers.errors import VolunteerErrorCode

if TYPE_CHECKING:
    from schema.activities.types import QualificationType
    from schema.organizations.types import MembershipType, OrganizationType
    from schema.rewards.honours import (
        CommendationType,
        InsuranceCoverageType,
        ServiceCardType,
        StarLevelAchievementType,
    )

_REWARDS = "schema.rewards.honours"

strawberry.enum(Gender, description="Gender as registered.")
strawberry.enum(Skill, description="What a volunteer can do.")
strawberry.enum(Availability, description="When a volunteer is usually free.")
strawberry.enum(VolunteerStatus, description="Standing in the registry.")
strawberry.enum(VolunteerErrorCode, description="Why a volunteer request failed.")


@strawberry.type(name="Volunteer", description="A registered volunteer (注册志愿者).")
class VolunteerType(relay.Node):
    id: relay.NodeID[int]
    volunteer_number: str = strawberry.field(
        description="The volunteer number (志愿者统一编号-style, 20 digits): unique, never "
        "changes, not derived from the ID number. What third parties identify a volunteer by."
    )
    real_name: str = strawberry.field(description="Real name as on the ID card.")
    gender: Gender = strawberry.field(description="Gender.")
    skills: list[Skill] = strawberry.field(description="Declared skills.")
    availability: list[Availability] = strawberry.field(description="Declared free time slots.")
    registered_at: datetime = strawberry.field(description="When the volunteer registered.")
    status: VolunteerStatus = strawberry.field(description="Registry status.")
    total_hours: Decimal = strawberry.field(description="Confirmed service hours, all time.")
    row: strawberry.Private[Volunteer]

    @classmethod
    def from_model(cls, row: Volunteer) -> VolunteerType:
        return cls(
            id=row.id,
            volunteer_number=row.volunteer_number or "",
            real_name=row.real_name,
            gender=row.gender,
            skills=[Skill(s) for s in unpack_tags(row.skills)],
            availability=[Availability(a) for a in unpack_tags(row.availability)],
            registered_at=row.registered_at,
            status=row.status,
            total_hours=row.total_hours,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(
            Volunteer, node_ids, cls.from_model, visible=info.context.principal.is_authenticated
        )

    async def _access(self, info: Info) -> PersonalDataAccess:
        principal = info.context.principal
        shares = False
        if principal.user_id is not None and self.row.user_id != principal.user_id:
            admin_of = await info.context.admin_organization_ids()
            if admin_of:
                organizations = await ORGANIZATIONS_OF_VOLUNTEER.load(info, self.id)
                shares = any(o.id in admin_of for o in organizations)
        return access_to_volunteer(principal, self.row.user_id, shares)

    @strawberry.field(description="Star level 0-5 from confirmed hours (1★ at 100 h by default).")
    def star_level(self) -> int:
        return star_level(self.total_hours)

    @strawberry.field(description="Phone; masked (138****5678) unless you may see it.")
    async def phone(self, info: Info) -> str:
        return self.row.phone if (await self._access(info)).phone else mask_phone(self.row.phone)

    @strawberry.field(description="Resident ID number; masked unless you may see it.")
    async def id_number(self, info: Info) -> str:
        if (await self._access(info)).id_number:
            return self.row.id_number
        return mask_id_number(self.row.id_number)

    @strawberry.field(description="Birth date; null unless you may see the ID number.")
    async def birth_date(self, info: Info) -> date | None:
        return self.row.birth_date if (await self._access(info)).id_number else None

    @strawberry.field(description="Exact home location; null unless you may see it.")
    async def home_location(self, info: Info) -> GeoPoint | None:
        if self.row.home_lat is None or self.row.home_lng is None:
            return None
        if not (await self._access(info)).home_location:
            return None
        return GeoPoint(lat=self.row.home_lat, lng=self.row.home_lng)

    @strawberry.field(description="True when you see this volunteer's phone unmasked.")
    async def personal_data_visible(self, info: Info) -> bool:
        return (await self._access(info)).phone

    @strawberry.field(
        description="Civic-issue reports of this volunteer that were filed as cases while they "
        "were a civic supervisor (CIVIC_SUPERVISION skill): their supervision record."
    )
    async def civic_reports_filed(self, info: Info) -> int:
        return await CIVIC_REPORTS_FILED.load(info, self.row.id)

    @strawberry.field(description="District of residence.")
    async def district(self, info: Info) -> DistrictType:
        row = await DISTRICT.load(info, self.row.district_id)
        assert row is not None
        return DistrictType.from_model(row)

    @strawberry.field(description="Community of residence, if given.")
    async def community(self, info: Info) -> CommunityType | None:
        if self.row.community_id is None:
            return None
        row = await COMMUNITY.load(info, self.row.community_id)
        return CommunityType.from_model(row) if row else None

    @strawberry.field(
        description="Organisations this volunteer is an approved member of, oldest first."
    )
    async def organizations(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Annotated[OrganizationType, strawberry.lazy("schema.organizations.types")]]:
        from schema.organizations.types import OrganizationType

        rows = await ORGANIZATIONS_OF_VOLUNTEER.load(info, self.id)
        return page_of(rows, first, after, OrganizationType.from_model)

    @strawberry.field(
        description="All applications and memberships, pending ones included. Visible to the "
        "volunteer and administrators; empty for anyone else."
    )
    async def memberships(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Annotated[MembershipType, strawberry.lazy("schema.organizations.types")]]:
        from schema.organizations.types import MembershipType

        principal = info.context.principal
        if not (principal.is_admin or principal.user_id == self.row.user_id):
            return page_of([], first, after, MembershipType.from_model)
        rows = await MEMBERSHIPS_OF_VOLUNTEER.load(info, self.id)
        return page_of(rows, first, after, MembershipType.from_model)

    @strawberry.field(description="Each star level reached, with its date; lowest first.")
    async def star_level_history(
        self, info: Info
    ) -> list[Annotated[StarLevelAchievementType, strawberry.lazy(_REWARDS)]]:
        from schema.rewards.honours import star_level_history

        return await star_level_history(info, self.row)

    @strawberry.field(
        description="The live service card, else the latest. The holder and administrators; "
        "null for anyone else."
    )
    async def service_card(
        self, info: Info
    ) -> Annotated[ServiceCardType, strawberry.lazy(_REWARDS)] | None:
        from schema.rewards.honours import service_card

        return await service_card(info, self.row)

    @strawberry.field(
        description="Insurance cover, latest first. The volunteer, administrators and "
        "dispatchers; empty for anyone else."
    )
    async def insurance_coverage(
        self, info: Info
    ) -> list[Annotated[InsuranceCoverageType, strawberry.lazy(_REWARDS)]]:
        from schema.rewards.honours import insurance_coverage

        return await insurance_coverage(info, self.row)

    @strawberry.field(
        description="Qualifications certified by the training school (一校), latest expiry "
        "first, expired ones included (see `valid`). Public, like a certificate."
    )
    async def qualifications(
        self, info: Info
    ) -> list[Annotated[QualificationType, strawberry.lazy("schema.activities.types")]]:
        from schema.activities.loaders import QUALIFICATIONS_OF_VOLUNTEER
        from schema.activities.types import QualificationType

        rows = await QUALIFICATIONS_OF_VOLUNTEER.load(info, self.id)
        return [QualificationType.from_model(r) for r in rows]

    @strawberry.field(description="Commendations (嘉许), latest first. Public honours.")
    async def commendations(
        self, info: Info
    ) -> list[Annotated[CommendationType, strawberry.lazy(_REWARDS)]]:
        from schema.rewards.honours import commendations

        return await commendations(info, self.row)


@strawberry.type(description="A problem with a volunteer request.")
class VolunteerError(DomainErrorType[VolunteerErrorCode]):
    pass


@payload_type(description="The volunteer after the change, or why nothing changed.")
class VolunteerPayload(Payload[VolunteerError]):
    volunteer: VolunteerType | None = strawberry.field(
        default=None, description="Null when errors is not empty."
    )
