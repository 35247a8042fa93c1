"""What a volunteer holds: star levels with their dates, the service card, insurance cover and
commendations; with the resolvers the Volunteer type delegates to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from models.accounts import Role
from models.rewards import (
    CardStatus,
    Commendation,
    InsuranceCoverage,
    InsurancePolicy,
    ServiceCard,
    StarLevelAchievement,
)
from models.volunteers import Volunteer
from schema.core.context import Info
from schema.core.errors import Payload, payload_type
from schema.core.relay import database_ids, load_nodes
from schema.organizations.loaders import ORGANIZATION
from schema.organizations.types import OrganizationType
from schema.rewards.loaders import (
    CARD_OF_VOLUNTEER,
    COMMENDATIONS_OF_VOLUNTEER,
    COVERAGE_OF_VOLUNTEER,
    COVERED_COUNT,
    STAR_LEVELS_OF_VOLUNTEER,
)
from schema.rewards.types import RewardsError
from schema.volunteers.loaders import VOLUNTEER
from services.common import lookups
from services.rewards import cards as rewards_cards
from services.rewards import cover as rewards_cover
from services.rewards.cards import CardCheckResult, format_number

if TYPE_CHECKING:
    from schema.volunteers.types import VolunteerType

strawberry.enum(
    CardStatus,
    name="ServiceCardStatus",
    description="ISSUED → ACTIVE ⇄ FROZEN; LOST, or REPLACED by a reissued card (both dead).",
)


@strawberry.type(name="StarLevelAchievement", description="When a star level was reached.")
class StarLevelAchievementType:
    level: int = strawberry.field(description="The star level, 1-5.")
    reached_at: datetime = strawberry.field(
        description="When confirmed hours first reached it (for a backfilled level: when the "
        "backfill ran, the real date being unknown)."
    )
    hours_at_reach: Decimal = strawberry.field(description="Confirmed hours right after.")
    backfilled: bool = strawberry.field(
        description="True when filled in for hours that predate this history."
    )
    lost_at: datetime | None = strawberry.field(
        description="Set while hours are below the level again; null while it is held."
    )

    @classmethod
    def from_model(cls, row: StarLevelAchievement) -> StarLevelAchievementType:
        return cls(
            level=row.level,
            reached_at=row.reached_at,
            hours_at_reach=row.hours_at_reach,
            backfilled=row.backfilled,
            lost_at=row.lost_at,
        )


@strawberry.type(
    name="ServiceCard",
    description="The volunteer service card (志愿服务卡). Visible to its holder and admins.",
)
class ServiceCardType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(
        description="16 digits in groups of four: 4413, an 11-digit serial, a Luhn check digit."
    )
    status: CardStatus = strawberry.field(description="Where the card stands.")
    issued_at: datetime = strawberry.field(description="When it was issued.")
    status_changed_at: datetime = strawberry.field(description="When the status last changed.")
    status_note: str = strawberry.field(description="Why it last changed, if said.")
    row: strawberry.Private[ServiceCard]

    @classmethod
    def from_model(cls, row: ServiceCard) -> ServiceCardType:
        return cls(
            id=row.id,
            number=format_number(row.number),
            status=row.status,
            issued_at=row.issued_at,
            status_changed_at=row.status_changed_at,
            status_note=row.status_note,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        principal = info.context.principal
        rows = await lookups.by_ids(ServiceCard, database_ids(node_ids))
        return [
            cls.from_model(r)
            if r and (principal.is_admin or await rewards_cards.is_holder(principal, r))
            else None
            for r in rows
        ]

    @strawberry.field(description="The holder.")
    async def volunteer(
        self, info: Info
    ) -> Annotated[VolunteerType, strawberry.lazy("schema.volunteers.types")]:
        from schema.volunteers.types import VolunteerType

        row = await VOLUNTEER.load(info, self.row.volunteer_id)
        assert row is not None
        return VolunteerType.from_model(row)


@strawberry.type(
    description="What a merchant learns of a service card: no more than the masked name, "
    "the star level and the status."
)
class ServiceCardCheck:
    card_number: str = strawberry.field(description="The number asked about, grouped.")
    found: bool = strawberry.field(description="False when no card has this number.")
    status: CardStatus | None = strawberry.field(description="Null when not found.")
    honoured: bool = strawberry.field(description="True only for an ACTIVE card: serve as VIP.")
    holder_name: str | None = strawberry.field(
        description="Masked (陈**); null unless the card is live."
    )
    star_level: int | None = strawberry.field(description="Null unless the card is live.")

    @classmethod
    def from_result(cls, result: CardCheckResult) -> ServiceCardCheck:
        return cls(
            card_number=result.number,
            found=result.found,
            status=result.status,
            honoured=result.honoured,
            holder_name=result.holder_name,
            star_level=result.star_level,
        )


@strawberry.type(
    name="InsurancePolicy",
    description="A group accident policy for volunteers. Administrators and dispatchers.",
)
class InsurancePolicyType(relay.Node):
    id: relay.NodeID[int]
    policy_number: str = strawberry.field(description="The insurer's policy number.")
    insurer: str = strawberry.field(description="The insurance company.")
    coverage: str = strawberry.field(description="What it covers.")
    sum_insured: Decimal | None = strawberry.field(description="Per person, in yuan.")
    starts_on: date = strawberry.field(name="from", description="First day covered.")
    ends_on: date = strawberry.field(name="to", description="Last day covered.")

    @classmethod
    def from_model(cls, row: InsurancePolicy) -> InsurancePolicyType:
        return cls(
            id=row.id,
            policy_number=row.policy_number,
            insurer=row.insurer,
            coverage=row.coverage,
            sum_insured=row.sum_insured,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        staff = info.context.principal.has_role(Role.ADMIN, Role.DISPATCHER)
        return await load_nodes(InsurancePolicy, node_ids, cls.from_model, visible=staff)

    @strawberry.field(description="How many volunteers it covers.")
    async def covered_count(self, info: Info) -> int:
        return await COVERED_COUNT.load(info, self.id)


@strawberry.type(name="InsuranceCoverage", description="A volunteer insured under a policy.")
class InsuranceCoverageType:
    policy: InsurancePolicyType = strawberry.field(description="The policy.")
    starts_on: date = strawberry.field(name="from", description="First day covered.")
    ends_on: date = strawberry.field(name="to", description="Last day covered.")

    @strawberry.field(description="True when today (UTC) is inside the period.")
    def current(self) -> bool:
        return self.starts_on <= datetime.now(UTC).date() <= self.ends_on

    @classmethod
    def from_model(cls, row: InsuranceCoverage) -> InsuranceCoverageType:
        return cls(
            policy=InsurancePolicyType.from_model(row.policy),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
        )


@strawberry.type(name="Commendation", description="A commendation (嘉许) of a volunteer.")
class CommendationType:
    title: str = strawberry.field(description="What it is, e.g. 优秀志愿者.")
    citation: str = strawberry.field(description="What it was for.")
    awarded_on: date = strawberry.field(description="The date on the certificate.")
    issuer: str = strawberry.field(description="The issuing body.")
    row: strawberry.Private[Commendation]

    @classmethod
    def from_model(cls, row: Commendation) -> CommendationType:
        return cls(
            title=row.title,
            citation=row.citation,
            awarded_on=row.awarded_on,
            issuer=row.issuer,
            row=row,
        )

    @strawberry.field(description="The organisation that commended, if not the city.")
    async def organization(self, info: Info) -> OrganizationType | None:
        if self.row.organization_id is None:
            return None
        row = await ORGANIZATION.load(info, self.row.organization_id)
        return OrganizationType.from_model(row) if row else None


@payload_type(description="The card after the change (the new one, on reissue), or why not.")
class ServiceCardPayload(Payload[RewardsError]):
    card: ServiceCardType | None = strawberry.field(default=None, description="Null on errors.")


@payload_type(description="The policy recorded, or why not.")
class InsurancePolicyPayload(Payload[RewardsError]):
    policy: InsurancePolicyType | None = strawberry.field(
        default=None, description="Null on errors."
    )


@payload_type(description="How many volunteers were newly covered, or why none were.")
class CoveragePayload(Payload[RewardsError]):
    policy: InsurancePolicyType | None = strawberry.field(
        default=None, description="Null on errors."
    )
    added: int = strawberry.field(default=0, description="Volunteers newly covered (0 on errors).")


@payload_type(description="The commendation recorded, or why not.")
class CommendationPayload(Payload[RewardsError]):
    commendation: CommendationType | None = strawberry.field(
        default=None, description="Null on errors."
    )


# What the Volunteer type shows of a volunteer's rewards --------------------------------------


async def star_level_history(info: Info, volunteer: Volunteer) -> list[StarLevelAchievementType]:
    rows = await STAR_LEVELS_OF_VOLUNTEER.load(info, volunteer.id)
    return [StarLevelAchievementType.from_model(r) for r in rows]


def _owner_or_admin(info: Info, volunteer: Volunteer) -> bool:
    principal = info.context.principal
    return principal.is_admin or (
        principal.user_id is not None and principal.user_id == volunteer.user_id
    )


async def service_card(info: Info, volunteer: Volunteer) -> ServiceCardType | None:
    if not _owner_or_admin(info, volunteer):
        return None
    row = await CARD_OF_VOLUNTEER.load(info, volunteer.id)
    return ServiceCardType.from_model(row) if row else None


async def insurance_coverage(info: Info, volunteer: Volunteer) -> list[InsuranceCoverageType]:
    if not rewards_cover.may_see_insurance(info.context.principal, volunteer.user_id):
        return []
    rows = await COVERAGE_OF_VOLUNTEER.load(info, volunteer.id)
    return [InsuranceCoverageType.from_model(r) for r in rows]


async def commendations(info: Info, volunteer: Volunteer) -> list[CommendationType]:
    rows = await COMMENDATIONS_OF_VOLUNTEER.load(info, volunteer.id)
    return [CommendationType.from_model(r) for r in rows]
