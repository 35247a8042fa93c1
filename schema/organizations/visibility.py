"""Who may read a membership by its global ID: whoever sees it through its organisation. The
organisation's admins and city administrators see every application and place; the member their
own; any other signed-in person the approved ones, as `Organization.members` lists them, and no
pending or rejected application. A wall screen sees none."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q

from models.accounts import Role
from models.organizations import Membership, MembershipStatus
from schema.core.context import Context


async def visible_memberships(context: Context, ids: Iterable[int]) -> dict[int, Membership]:
    principal = context.principal
    if principal.user_id is None or principal.roles == {Role.WALL_DISPLAY}:
        return {}
    query = Membership.filter(id__in=list(ids))
    if not principal.is_admin:
        managed = await context.admin_organization_ids()
        query = query.filter(
            Q(status=MembershipStatus.APPROVED)
            | Q(volunteer__user_id=principal.user_id)
            | Q(organization_id__in=list(managed))
        )
    return {row.id: row for row in await query}
