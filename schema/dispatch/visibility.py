"""Who may read an assignment or a service record by its global ID: who may see it through its
order. Dispatchers and administrators see all; a requester those of their own orders; a
volunteer the assignments of the orders they serve (`ServiceOrder.assignments` lists them all)
and their own service records; an organisation's admins the assignments their organisation
holds and the records they may decide (of their members, of orders sent to them, or of their
activities). A wall screen sees none: the wall shows no one's service."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.expressions import Q, Subquery

from models.dispatch import OrderAssignment, ServiceRecord
from models.organizations import Membership, MembershipStatus
from schema.core.context import Context
from services.dispatch import STAFF
from services.volunteers import lookups


async def _volunteer_id(context: Context) -> int:
    volunteer = await lookups.volunteer_of_user(context.principal.user_id or -1)
    return volunteer.id if volunteer else -1


async def visible_assignments(context: Context, ids: Iterable[int]) -> dict[int, OrderAssignment]:
    principal = context.principal
    if principal.user_id is None:
        return {}
    query = OrderAssignment.filter(id__in=list(ids))
    if not principal.has_role(*STAFF):
        served = OrderAssignment.filter(volunteer_id=await _volunteer_id(context))
        query = query.filter(
            Q(order__requester_id=principal.user_id)
            | Q(order_id__in=Subquery(served.values("order_id")))
            | Q(organization_id__in=list(await context.admin_organization_ids()))
        )
    return {row.id: row for row in await query}


async def visible_records(context: Context, ids: Iterable[int]) -> dict[int, ServiceRecord]:
    principal = context.principal
    if principal.user_id is None:
        return {}
    query = ServiceRecord.filter(id__in=list(ids))
    if not principal.has_role(*STAFF):
        managed = list(await context.admin_organization_ids())
        members = Membership.filter(organization_id__in=managed, status=MembershipStatus.APPROVED)
        query = query.filter(
            Q(order__requester_id=principal.user_id)
            | Q(volunteer_id=await _volunteer_id(context))
            | Q(order__organization_id__in=managed)
            | Q(organization_id__in=managed)
            | Q(volunteer_id__in=Subquery(members.values("volunteer_id")))
        )
    return {row.id: row for row in await query}
