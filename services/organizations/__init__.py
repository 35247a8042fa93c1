"""Organisations and the join flow: a volunteer applies, an organisation admin decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.accounts import Role, User
from models.geography import District
from models.organizations import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organization,
    OrganizationCategory,
)
from models.volunteers import Volunteer, VolunteerStatus
from services.accounts import add_role
from services.audit import Actor
from services.common.errors import Collector, DomainError, NotPermitted
from services.common.identity import normalise_phone
from services.common.principal import Principal
from services.organizations.errors import OrganizationErrorCode

MAX_REASON = 500


@dataclass
class NewOrganization:
    name: str
    category: OrganizationCategory
    district_id: int
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""


async def _own_volunteer(principal: Principal) -> Volunteer | None:
    user_id = principal.require_user()
    return await Volunteer.get_or_none(user_id=user_id)


def check_details(name: str, contact_phone: str, collector: Collector) -> tuple[str, str]:
    """The name and contact phone as stored, under the rules that creating an organisation and
    the bulk import share (problems go to `collector`)."""
    name = name.strip()
    if not 2 <= len(name) <= 128:
        collector.add(OrganizationErrorCode.INVALID_NAME, "Give a name of 2-128.", "name")
    phone = ""
    if contact_phone:
        phone = normalise_phone(contact_phone) or ""
        if not phone:
            collector.add(
                OrganizationErrorCode.INVALID_PHONE, "Not a valid phone number.", "contactPhone"
            )
    return name, phone


async def create(principal: Principal, data: NewOrganization) -> Organization:
    """A registered volunteer founds an organisation and becomes its admin; it stays unverified
    until a city administrator verifies it. Organisations created by an ADMIN start verified."""
    principal.require_user()
    principal.refuse_wall_screen()
    founder = None if principal.is_admin else await _own_volunteer(principal)
    if not principal.is_admin and founder is None:
        raise DomainError(OrganizationErrorCode.NOT_A_VOLUNTEER, "Register as a volunteer first.")
    collector = Collector()
    name, phone = check_details(data.name, data.contact_phone, collector)
    if not await District.exists(id=data.district_id):
        collector.add(OrganizationErrorCode.UNKNOWN_DISTRICT, "No such district.", "district")
    collector.raise_if_any()
    try:
        async with in_transaction():
            organization = await Organization.create(
                name=name,
                category=data.category,
                district_id=data.district_id,
                verified=principal.is_admin,
                description=data.description.strip()[:4000],
                contact_name=data.contact_name.strip()[:64],
                contact_phone=phone,
                created_by_id=principal.user_id,
            )
            if founder is not None:
                await Membership.create(
                    volunteer=founder,
                    organization=organization,
                    role=MembershipRole.ADMIN,
                    status=MembershipStatus.APPROVED,
                    decided_at=datetime.now(UTC),
                    decided_by_id=principal.user_id,
                )
                await add_role(await User.get(id=principal.require_user()), Role.ORG_ADMIN)
    except IntegrityError as exc:
        raise DomainError(
            OrganizationErrorCode.DUPLICATE_NAME,
            "An organisation with this name already exists.",
            "name",
        ) from exc
    return organization


async def set_verified(
    principal: Principal, organization_id: int, verified: bool, reason: str = ""
) -> Organization:
    principal.require_user()
    if not principal.is_admin:
        raise NotPermitted("Only a city administrator verifies organisations.")
    return await verify(await Actor.admin(principal), organization_id, verified, reason)


async def verify(
    actor: Actor, organization_id: int, verified: bool, reason: str = ""
) -> Organization:
    """Verifies an organisation, or withdraws its verification (which needs a reason, kept in
    the audit log); setting the flag it already has records nothing."""
    reason = reason.strip()
    collector = Collector()
    if not verified and not reason:
        collector.add(
            OrganizationErrorCode.REASON_REQUIRED, "Say why the verification ends.", "reason"
        )
    if len(reason) > MAX_REASON:
        collector.add(
            OrganizationErrorCode.REASON_TOO_LONG, f"At most {MAX_REASON} characters.", "reason"
        )
    async with in_transaction():
        organization = await Organization.filter(id=organization_id).select_for_update().first()
        if organization is None:
            raise DomainError(
                OrganizationErrorCode.ORGANIZATION_NOT_FOUND,
                "No such organisation.",
                "organization",
            )
        collector.raise_if_any()
        if organization.verified != verified:
            organization.verified = verified
            await organization.save(update_fields=["verified"])
            await actor.record(
                "verifyOrganization" if verified else "unverifyOrganization",
                "Organization",
                organization.id,
                {"verified": not verified},
                {"verified": verified, "reason": reason},
            )
    return organization


async def apply(principal: Principal, organization_id: int, message: str = "") -> Membership:
    principal.require_user()
    principal.refuse_wall_screen()
    volunteer = await _own_volunteer(principal)
    if volunteer is None:
        raise DomainError(OrganizationErrorCode.NOT_A_VOLUNTEER, "Register as a volunteer first.")
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise DomainError(
            OrganizationErrorCode.VOLUNTEER_NOT_ACTIVE, "Only active volunteers can apply."
        )
    if len(message) > 500:
        raise DomainError(
            OrganizationErrorCode.MESSAGE_TOO_LONG, "Keep the message under 500.", "message"
        )
    if not await Organization.exists(id=organization_id):
        raise DomainError(
            OrganizationErrorCode.ORGANIZATION_NOT_FOUND, "No such organisation.", "organization"
        )
    async with in_transaction():
        existing = (
            await Membership.filter(volunteer_id=volunteer.id, organization_id=organization_id)
            .select_for_update()
            .first()
        )
        if existing is not None and existing.status == MembershipStatus.APPROVED:
            raise DomainError(OrganizationErrorCode.ALREADY_MEMBER, "You are already a member.")
        if existing is not None and existing.status == MembershipStatus.PENDING:
            raise DomainError(
                OrganizationErrorCode.ALREADY_APPLIED, "Your application is awaiting a decision."
            )
        if existing is not None:
            # A rejected volunteer may apply again; the same row carries the new application.
            existing.status = MembershipStatus.PENDING
            existing.role = MembershipRole.MEMBER
            existing.message = message
            existing.applied_at = datetime.now(UTC)
            existing.decided_at = None
            existing.decided_by_id = None
            existing.decision_note = ""
            await existing.save()
            return existing
        try:
            return await Membership.create(
                volunteer_id=volunteer.id, organization_id=organization_id, message=message
            )
        except IntegrityError as exc:
            raise DomainError(
                OrganizationErrorCode.ALREADY_APPLIED, "Your application is awaiting a decision."
            ) from exc


async def is_org_admin(principal: Principal, organization_id: int) -> bool:
    if principal.is_admin:
        return True
    if principal.user_id is None:
        return False
    return await Membership.exists(
        organization_id=organization_id,
        volunteer__user_id=principal.user_id,
        role=MembershipRole.ADMIN,
        status=MembershipStatus.APPROVED,
    )


async def decide(
    principal: Principal,
    membership_id: int,
    approve: bool,
    role: MembershipRole = MembershipRole.MEMBER,
    note: str = "",
) -> Membership:
    principal.require_user()
    membership = await Membership.get_or_none(id=membership_id)
    if membership is None:
        raise DomainError(
            OrganizationErrorCode.MEMBERSHIP_NOT_FOUND, "No such application.", "membership"
        )
    if not await is_org_admin(principal, membership.organization_id):
        raise NotPermitted("Only an admin of this organisation can decide applications.")
    if len(note) > 500:
        raise DomainError(OrganizationErrorCode.MESSAGE_TOO_LONG, "Keep the note short.", "note")
    async with in_transaction():
        # The status condition makes two admins deciding at once safe: only one update matches.
        changed = await Membership.filter(id=membership.id, status=MembershipStatus.PENDING).update(
            status=MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED,
            role=role if approve else MembershipRole.MEMBER,
            decided_at=datetime.now(UTC),
            decided_by_id=principal.user_id,
            decision_note=note,
        )
        if not changed:
            raise DomainError(
                OrganizationErrorCode.ALREADY_DECIDED, "This application was already decided."
            )
        if approve and role == MembershipRole.ADMIN:
            volunteer = await Volunteer.get(id=membership.volunteer_id)
            if volunteer.user_id is not None:
                await add_role(await User.get(id=volunteer.user_id), Role.ORG_ADMIN)
    await membership.refresh_from_db()
    return membership


@dataclass
class OrganizationFilter:
    category: OrganizationCategory | None = None
    district_id: int | None = None
    verified: bool | None = None
    search: str | None = None


def filtered(criteria: OrganizationFilter) -> QuerySet[Organization]:
    query = Organization.all()
    if criteria.category is not None:
        query = query.filter(category=criteria.category)
    if criteria.district_id is not None:
        query = query.filter(district_id=criteria.district_id)
    if criteria.verified is not None:
        query = query.filter(verified=criteria.verified)
    if criteria.search:
        query = query.filter(name__icontains=criteria.search.strip())
    return query
