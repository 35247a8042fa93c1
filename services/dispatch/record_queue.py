"""The confirmation queue (`pendingServiceRecords`): the PENDING records a confirmer decides.
An organisation's admins get the records of their activities and of the orders sent to their
organisation; dispatchers the order records (of one centre and the centres below it, when
asked); administrators everything. Oldest first, so that nobody waits behind newer work."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.dispatch import RecordStatus, ServiceRecord
from services.common.errors import NotPermitted
from services.common.principal import Principal
from services.dispatch import STAFF, center_family
from services.organizations import lookups as organization_lookups


async def pending_records(
    principal: Principal, center_id: int | None = None
) -> QuerySet[ServiceRecord]:
    user_id = principal.require_user()
    query = ServiceRecord.filter(status=RecordStatus.PENDING)
    if center_id is not None:
        family = await center_family(center_id)
        query = query.filter(order__dispatch_center_id__in=family)
    if principal.is_admin:
        return query
    (managed,) = await organization_lookups.admin_organization_ids_of_users([user_id])
    allowed = Q(organization_id__in=sorted(managed)) | Q(order__organization_id__in=sorted(managed))
    if principal.has_role(*STAFF):
        allowed |= Q(order_id__isnull=False)
    elif not managed:
        raise NotPermitted("The queue is for organisers and dispatchers.")
    return query.filter(allowed)
