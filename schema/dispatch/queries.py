from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import Role
from models.dispatch import DispatchCenter, OrderStatus, ServiceCategory, Urgency
from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.permissions import requires
from schema.core.relay import DEFAULT_PAGE_SIZE, Connection, decode_id, paginate
from schema.dispatch.loaders import ORDER
from schema.dispatch.types import (
    AttendanceCodeType,
    DispatchCenterType,
    OrderType,
    RecordType,
    SuggestionType,
)
from services.common.errors import AccessError, DomainError
from services.common.presence import RotatingCode, qr_svg
from services.dispatch import STAFF, matching, orders, record_queue, service_records
from services.volunteers import lookups as volunteer_lookups


@strawberry.input(description="Narrows the order list; every given field must match.")
class OrderFilter:
    dispatch_center: relay.GlobalID | None = strawberry.field(default=None, description="Centre.")
    status: list[OrderStatus] | None = strawberry.field(default=None, description="Any of.")
    category: ServiceCategory | None = strawberry.field(default=None, description="Kind.")
    urgency: Urgency | None = strawberry.field(default=None, description="Urgency.")


def attendance_code(code: RotatingCode) -> AttendanceCodeType:
    return AttendanceCodeType(
        code=code.code, valid_until=code.valid_until, qr_svg=qr_svg(code.code)
    )


@strawberry.type
class Query:
    @strawberry.field(description="Every dispatch centre, city level first.")
    async def dispatch_centers(self) -> list[DispatchCenterType]:
        rows = await DispatchCenter.all().order_by("id")
        return [DispatchCenterType.from_model(r) for r in rows]

    @strawberry.field(
        description="Orders you may see (staff: all; others: yours), paginated.",
        extensions=[requires()],
    )
    async def orders(
        self,
        info: Info,
        filter: OrderFilter | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[OrderType]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        query = orders.visible_orders(info.context.principal, volunteer.id if volunteer else None)
        if filter is not None:
            center = decode_id(filter.dispatch_center, "DispatchCenter")
            query = orders.filtered(
                query,
                orders.OrderFilter(
                    dispatch_center_id=(center or -1) if filter.dispatch_center else None,
                    status=list(filter.status) if filter.status else None,
                    category=filter.category,
                    urgency=filter.urgency,
                ),
            )
        return await paginate(query, first, after, OrderType.from_model)

    @strawberry.field(description="One order you may see.", extensions=[requires()])
    async def order(self, info: Info, id: relay.GlobalID) -> OrderType | None:
        if decode_id(id, "ServiceOrder") is None:
            return None
        found = await OrderType.resolve_nodes(info=info, node_ids=[id.node_id])
        return found[0]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Best free volunteers for an order, with the score's parts.",
        extensions=[requires(*STAFF)],
    )
    async def suggest_volunteers(
        self, info: Info, order_id: relay.GlobalID, first: int = 10
    ) -> list[SuggestionType]:
        order_pk = decode_id(order_id, "ServiceOrder")
        row = await ORDER.load(info, order_pk) if order_pk else None
        if row is None:
            return []
        ranked = await matching.suggest(row, max(0, min(first, 50)))
        return [SuggestionType.from_suggestion(s) for s in ranked]

    @strawberry.field(
        description="The confirmation queue: PENDING service records you decide, oldest "
        "first, each with its `flags`. Organisers: their activities' records and those of "
        "orders sent to their organisation; dispatchers: order records (of `center` and the "
        "centres below it, when given); administrators: all.",
        extensions=[requires(Role.ORG_ADMIN, *STAFF)],
    )
    async def pending_service_records(
        self,
        info: Info,
        center: relay.GlobalID | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[RecordType]:
        center_id = (decode_id(center, "DispatchCenter") or -1) if center else None
        try:
            query = await record_queue.pending_records(info.context.principal, center_id)
        except AccessError as error:
            raise access_error(error) from error
        return await paginate(query, first, after, RecordType.from_model)

    @strawberry.field(
        description="The rotating attendance code of an order being served, for the "
        "requester's phone to show (or a dispatcher to read out); null when the order is not "
        "accepted or in progress. The requester or staff.",
        extensions=[requires()],
    )
    async def order_attendance_code(
        self, info: Info, order: relay.GlobalID
    ) -> AttendanceCodeType | None:
        try:
            _, code = await service_records.order_code(
                info.context.principal, decode_id(order, "ServiceOrder") or -1
            )
        except DomainError:
            return None
        except AccessError as error:
            raise access_error(error) from error
        return attendance_code(code)
