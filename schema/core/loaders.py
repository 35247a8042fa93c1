"""Per-request DataLoaders. Built for every HTTP request and every subscription event, never
shared across them, so nobody is served rows cached for someone else or from an older moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models.accounts import User
from models.civic import CivicCategory, CivicIssue, CivicIssueTransition, CivicPhoto
from models.dispatch import DispatchCenter, OrderAssignment, ServiceOrder
from models.geography import Community, District
from models.organizations import Membership, Organization
from models.rewards import (
    Benefit,
    BenefitProvider,
    Commendation,
    InsuranceCoverage,
    InsurancePolicy,
    ServiceCard,
    StarLevelAchievement,
)
from models.timebank import FamilyMember, OrderPayment, Transfer
from models.volunteers import Volunteer
from services import timebank
from services.civic import lookups as civic_lookups
from services.common import lookups
from services.dispatch import orders
from services.rewards import lookups as rewards_lookups

M = TypeVar(
    "M",
    District,
    Community,
    Organization,
    Volunteer,
    DispatchCenter,
    ServiceOrder,
    User,
    CivicCategory,
    CivicIssue,
    Benefit,
    BenefitProvider,
    InsurancePolicy,
    Transfer,
    FamilyMember,
)


def _by_id(model: type[M]) -> DataLoader[int, M | None]:
    async def load(ids: Sequence[int]) -> Sequence[M | None]:
        return await lookups.by_ids(model, ids)

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    district: DataLoader[int, District | None] = field(default_factory=lambda: _by_id(District))
    community: DataLoader[int, Community | None] = field(default_factory=lambda: _by_id(Community))
    communities_of_district: DataLoader[int, list[Community]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.communities_of_districts)
    )
    organization: DataLoader[int, Organization | None] = field(
        default_factory=lambda: _by_id(Organization)
    )
    volunteer: DataLoader[int, Volunteer | None] = field(default_factory=lambda: _by_id(Volunteer))
    organizations_of_volunteer: DataLoader[int, list[Organization]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.organizations_of_volunteers)
    )
    members_of_organization: DataLoader[int, list[Membership]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.approved_members)
    )
    memberships_of_volunteer: DataLoader[int, list[Membership]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.memberships_of_volunteers)
    )
    applications_of_organization: DataLoader[int, list[Membership]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.applications_of_organizations)
    )
    member_count: DataLoader[int, int] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.member_counts)
    )
    admin_organizations: DataLoader[int, set[int]] = field(
        default_factory=lambda: DataLoader(load_fn=lookups.admin_organization_ids_of_users)
    )
    dispatch_center: DataLoader[int, DispatchCenter | None] = field(
        default_factory=lambda: _by_id(DispatchCenter)
    )
    assignments_of_order: DataLoader[int, list[OrderAssignment]] = field(
        default_factory=lambda: DataLoader(load_fn=orders.assignments_of_orders)
    )
    order: DataLoader[int, ServiceOrder | None] = field(
        default_factory=lambda: _by_id(ServiceOrder)
    )
    user: DataLoader[int, User | None] = field(default_factory=lambda: _by_id(User))
    civic_category: DataLoader[int, CivicCategory | None] = field(
        default_factory=lambda: _by_id(CivicCategory)
    )
    civic_issue: DataLoader[int, CivicIssue | None] = field(
        default_factory=lambda: _by_id(CivicIssue)
    )
    photos_of_civic_issue: DataLoader[int, list[CivicPhoto]] = field(
        default_factory=lambda: DataLoader(load_fn=civic_lookups.photos_of_issues)
    )
    timeline_of_civic_issue: DataLoader[int, list[CivicIssueTransition]] = field(
        default_factory=lambda: DataLoader(load_fn=civic_lookups.timelines_of_issues)
    )
    civic_reports_filed: DataLoader[int, int] = field(
        default_factory=lambda: DataLoader(load_fn=civic_lookups.filed_reports_of_volunteers)
    )
    benefit: DataLoader[int, Benefit | None] = field(default_factory=lambda: _by_id(Benefit))
    benefit_provider: DataLoader[int, BenefitProvider | None] = field(
        default_factory=lambda: _by_id(BenefitProvider)
    )
    benefits_of_provider: DataLoader[int, list[Benefit]] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.benefits_of_providers)
    )
    insurance_policy: DataLoader[int, InsurancePolicy | None] = field(
        default_factory=lambda: _by_id(InsurancePolicy)
    )
    covered_count: DataLoader[int, int] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.covered_counts)
    )
    star_levels_of_volunteer: DataLoader[int, list[StarLevelAchievement]] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.star_levels_of_volunteers)
    )
    card_of_volunteer: DataLoader[int, ServiceCard | None] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.cards_of_volunteers)
    )
    coverage_of_volunteer: DataLoader[int, list[InsuranceCoverage]] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.coverage_of_volunteers)
    )
    commendations_of_volunteer: DataLoader[int, list[Commendation]] = field(
        default_factory=lambda: DataLoader(load_fn=rewards_lookups.commendations_of_volunteers)
    )
    time_transfer: DataLoader[int, Transfer | None] = field(
        default_factory=lambda: _by_id(Transfer)
    )
    family_member: DataLoader[int, FamilyMember | None] = field(
        default_factory=lambda: _by_id(FamilyMember)
    )
    payment_of_order: DataLoader[int, OrderPayment | None] = field(
        default_factory=lambda: DataLoader(load_fn=timebank.payments_of_orders)
    )
    order_of_transfer: DataLoader[int, ServiceOrder | None] = field(
        default_factory=lambda: DataLoader(load_fn=timebank.orders_of_transfers)
    )
