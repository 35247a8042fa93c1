"""Batch reads behind the DataLoaders of memberships, from either side (an organisation's
members and applications, a volunteer's organisations), and of who administers what: one
statement for any number of keys."""

from __future__ import annotations

from collections.abc import Sequence

from models.organizations import Membership, MembershipRole, MembershipStatus, Organization
from services.common.lookups import counted, grouped, grouped_by


async def organizations_of_volunteers(volunteer_ids: Sequence[int]) -> list[list[Organization]]:
    memberships = (
        await Membership.filter(
            volunteer_id__in=list(set(volunteer_ids)), status=MembershipStatus.APPROVED
        )
        .select_related("organization")
        .order_by("organization_id")
    )
    return grouped(((m.volunteer_id, m.organization) for m in memberships), volunteer_ids)


async def approved_members(organization_ids: Sequence[int]) -> list[list[Membership]]:
    memberships = await Membership.filter(
        organization_id__in=list(set(organization_ids)), status=MembershipStatus.APPROVED
    ).order_by("id")
    return grouped_by(memberships, "organization_id", organization_ids)


async def memberships_of_volunteers(volunteer_ids: Sequence[int]) -> list[list[Membership]]:
    rows = await Membership.filter(volunteer_id__in=list(set(volunteer_ids))).order_by("id")
    return grouped_by(rows, "volunteer_id", volunteer_ids)


async def applications_of_organizations(
    organization_ids: Sequence[int],
) -> list[list[Membership]]:
    """Pending applications, oldest first, for the organisations' admins to decide."""
    rows = await Membership.filter(
        organization_id__in=list(set(organization_ids)), status=MembershipStatus.PENDING
    ).order_by("applied_at", "id")
    return grouped_by(rows, "organization_id", organization_ids)


async def member_counts(organization_ids: Sequence[int]) -> list[int]:
    approved = Membership.filter(status=MembershipStatus.APPROVED)
    return await counted(approved, "organization_id", organization_ids)


async def admin_organization_ids_of_users(user_ids: Sequence[int]) -> list[set[int]]:
    """The organisations each user is an admin of (for personal-data visibility)."""
    rows = await Membership.filter(
        volunteer__user_id__in=list(set(user_ids)),
        role=MembershipRole.ADMIN,
        status=MembershipStatus.APPROVED,
    ).values_list("volunteer__user_id", "organization_id")
    pairs = ((int(user_id), int(organization_id)) for user_id, organization_id in rows)
    return [set(ids) for ids in grouped(pairs, user_ids)]
