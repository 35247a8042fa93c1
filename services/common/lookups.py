"""Batch reads behind the per-request DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from tortoise.functions import Count
from tortoise.models import Model

from models.geography import Community
from models.organizations import Membership, MembershipRole, MembershipStatus, Organization
from models.volunteers import Volunteer

M = TypeVar("M", bound=Model)


async def by_ids(model: type[M], ids: Sequence[int]) -> list[M | None]:
    rows = {row.pk: row for row in await model.filter(pk__in=list(set(ids)))}
    return [rows.get(i) for i in ids]


async def communities_of_districts(district_ids: Sequence[int]) -> list[list[Community]]:
    grouped: dict[int, list[Community]] = defaultdict(list)
    for row in await Community.filter(district_id__in=list(set(district_ids))).order_by("id"):
        grouped[row.district_id].append(row)
    return [grouped.get(i, []) for i in district_ids]


async def organizations_of_volunteers(volunteer_ids: Sequence[int]) -> list[list[Organization]]:
    memberships = await Membership.filter(
        volunteer_id__in=list(set(volunteer_ids)), status=MembershipStatus.APPROVED
    ).select_related("organization")
    grouped: dict[int, list[Organization]] = defaultdict(list)
    for membership in sorted(memberships, key=lambda m: m.organization_id):
        grouped[membership.volunteer_id].append(membership.organization)
    return [grouped.get(i, []) for i in volunteer_ids]


async def approved_members(organization_ids: Sequence[int]) -> list[list[Membership]]:
    memberships = await Membership.filter(
        organization_id__in=list(set(organization_ids)), status=MembershipStatus.APPROVED
    ).order_by("id")
    grouped: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        grouped[membership.organization_id].append(membership)
    return [grouped.get(i, []) for i in organization_ids]


async def memberships_of_volunteers(volunteer_ids: Sequence[int]) -> list[list[Membership]]:
    grouped: dict[int, list[Membership]] = defaultdict(list)
    for row in await Membership.filter(volunteer_id__in=list(set(volunteer_ids))).order_by("id"):
        grouped[row.volunteer_id].append(row)
    return [grouped.get(i, []) for i in volunteer_ids]


async def applications_of_organizations(
    organization_ids: Sequence[int],
) -> list[list[Membership]]:
    """Pending applications, oldest first, for the organisations' admins to decide."""
    rows = await Membership.filter(
        organization_id__in=list(set(organization_ids)), status=MembershipStatus.PENDING
    ).order_by("applied_at", "id")
    grouped: dict[int, list[Membership]] = defaultdict(list)
    for row in rows:
        grouped[row.organization_id].append(row)
    return [grouped.get(i, []) for i in organization_ids]


async def member_counts(organization_ids: Sequence[int]) -> list[int]:
    rows = (
        await Membership.filter(
            organization_id__in=list(set(organization_ids)), status=MembershipStatus.APPROVED
        )
        .group_by("organization_id")
        .annotate(n=Count("id"))
        .values("organization_id", "n")
    )
    counts = {row["organization_id"]: row["n"] for row in rows}
    return [counts.get(i, 0) for i in organization_ids]


async def admin_organization_ids_of_users(user_ids: Sequence[int]) -> list[set[int]]:
    """The organisations each user is an admin of (for personal-data visibility)."""
    rows = await Membership.filter(
        volunteer__user_id__in=list(set(user_ids)),
        role=MembershipRole.ADMIN,
        status=MembershipStatus.APPROVED,
    ).values_list("volunteer__user_id", "organization_id")
    grouped: dict[int, set[int]] = defaultdict(set)
    for user_id, organization_id in rows:
        grouped[int(user_id)].add(int(organization_id))
    return [grouped.get(i, set()) for i in user_ids]


async def volunteer_of_user(user_id: int) -> Volunteer | None:
    return await Volunteer.get_or_none(user_id=user_id)
