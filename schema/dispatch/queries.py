from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import relay

from models.accounts import Role
from models.dispatch import (
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
    Urgency,
)
from schema.core.context import Info
from schema.core.errors import access_error
from schema.core.ordering import NEWEST, OLDEST
from schema.core.permissions import requires
from schema.core.relay import (
    DEFAULT_PAGE_SIZE,
    Connection,
    PageSize,
    id_of,
    optional_id_of,
    page_size,
    paginate,
)
from schema.dispatch.loaders import ORDER
from schema.dispatch.types import (
    AssignmentType,
    AttendanceCodeType,
    DispatchCenterType,
    OrderType,
    RecordType,
    SuggestionType,
)
from services.common.errors import AccessError, DomainError
from services.common.presence import RotatingCode, qr_svg
from services.dispatch import STAFF, matching, orders, places, record_queue, service_records
from services.volunteers import lookups as volunteer_lookups


@strawberry.input(description="Narrows the order list; every given field must match.")
class OrderFilter:
    dispatch_center: relay.GlobalID | None = strawberry.field(default=None, description="Centre.")
    status: list[OrderStatus] | None = strawberry.field(default=None, description="Any of.")
    category: ServiceCategory | None = strawberry.field(default=None, description="Kind.")
    urgency: Urgency | None = strawberry.field(default=None, description="Urgency.")
    volunteer: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Orders this Volunteer is or was assigned to. Like every field it narrows "
        "the orders you may see; it never shows more.",
    )
    requester: relay.GlobalID | None = strawberry.field(
        default=None, description="Orders this User requested (narrows, like `volunteer`)."
    )


def attendance_code(code: RotatingCode) -> AttendanceCodeType:
    return AttendanceCodeType(
        code=code.code, valid_until=code.valid_until, qr_svg=qr_svg(code.code)
    )


@strawberry.enum(
    description=(
        "`orders` in order: OLDEST (submitted first, the default), NEWEST."
        " Cursors carry the order: page with the `orderBy` that gave them."
    )
)
class OrderSort(Enum):
    OLDEST = OLDEST
    NEWEST = NEWEST


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
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        order_by: OrderSort = OrderSort.OLDEST,
    ) -> Connection[OrderType]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        query = orders.visible_orders(info.context.principal, volunteer.id if volunteer else None)
        if filter is not None:
            center = optional_id_of(
                filter.dispatch_center, "DispatchCenter", "OrderFilter.dispatchCenter"
            )
            query = orders.filtered(
                query,
                orders.OrderFilter(
                    dispatch_center_id=center,
                    status=list(filter.status) if filter.status else None,
                    category=filter.category,
                    urgency=filter.urgency,
                    volunteer_id=optional_id_of(
                        filter.volunteer, "Volunteer", "OrderFilter.volunteer"
                    ),
                    requester_id=optional_id_of(filter.requester, "User", "OrderFilter.requester"),
                ),
            )
        return await paginate(query, first, after, OrderType.from_model, order_by.value)

    @strawberry.field(
        description="The orders you requested, oldest first (a resident's own page).",
        extensions=[requires()],
    )
    async def my_orders(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[OrderType]:
        query = ServiceOrder.filter(requester_id=info.context.principal.user_id)
        return await paginate(query, first, after, OrderType.from_model)

    @strawberry.field(
        description="Your assignments as a volunteer, oldest first, whatever their state; "
        "empty for someone who is not a registered volunteer.",
        extensions=[requires()],
    )
    async def my_assignments(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[AssignmentType]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        query = OrderAssignment.filter(volunteer_id=volunteer.id if volunteer else -1)
        return await paginate(query, first, after, AssignmentType.from_model)

    @strawberry.field(
        description="Your service records as a volunteer, oldest first, pending, confirmed "
        "and rejected; empty for someone who is not a registered volunteer.",
        extensions=[requires()],
    )
    async def my_service_records(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[RecordType]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        query = ServiceRecord.filter(volunteer_id=volunteer.id if volunteer else -1)
        return await paginate(query, first, after, RecordType.from_model)

    @strawberry.field(description="One order you may see.", extensions=[requires()])
    async def order(self, info: Info, id: relay.GlobalID) -> OrderType | None:
        pk = id_of(id, "ServiceOrder", "Query.order(id:)")
        found = await OrderType.resolve_nodes(info=info, node_ids=[str(pk)])
        return found[0]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Orders assigned to an organisation you are an approved member of that "
        "still have a place to take (`takeOrderPlace`), oldest first (volunteers).",
        extensions=[requires()],
    )
    async def organization_orders(
        self, info: Info, first: PageSize = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[OrderType]:
        volunteer = await volunteer_lookups.volunteer_of_user(info.context.principal.user_id or -1)
        query = places.offered_to_member(volunteer.id if volunteer else -1)
        return await paginate(query, first, after, OrderType.from_model)

    @strawberry.field(
        description="Best free volunteers for an order, with the score's parts.",
        extensions=[requires(*STAFF)],
    )
    async def suggest_volunteers(
        self, info: Info, order: relay.GlobalID, first: int | None = 10
    ) -> list[SuggestionType]:
        order_pk = id_of(order, "ServiceOrder", "Query.suggestVolunteers(order:)")
        row = await ORDER.load(info, order_pk) if order_pk else None
        if row is None:
            return []
        ranked = await matching.suggest(row, max(0, min(page_size(first, 10), 50)))
        return [SuggestionType.from_suggestion(s) for s in ranked]

    @strawberry.field(
        description="The confirmation queue: PENDING service records you decide, oldest "
        "first, each with its `flags`. Organisers: their activities' records and those of "
        "orders sent to their organisation; dispatchers: order records (of `dispatchCenter` "
        "and the centres below it, when given); administrators: all.",
        extensions=[requires(Role.ORG_ADMIN, *STAFF)],
    )
    async def pending_service_records(
        self,
        info: Info,
        dispatch_center: relay.GlobalID | None = None,
        first: PageSize = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[RecordType]:
        center_id = optional_id_of(
            dispatch_center, "DispatchCenter", "Query.pendingServiceRecords(dispatchCenter:)"
        )
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
                info.context.principal,
                id_of(order, "ServiceOrder", "Query.orderAttendanceCode(order:)"),
            )
        except DomainError:
            return None
        except AccessError as error:
            raise access_error(error) from error
        return attendance_code(code)
