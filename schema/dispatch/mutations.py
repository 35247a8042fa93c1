from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from models.accounts import Role
from models.dispatch import OrderAssignment, ServiceCategory, ServiceOrder, ServiceRecord, Urgency
from models.volunteers import Skill
from schema.core.context import Info
from schema.core.errors import payload
from schema.core.permissions import requires
from schema.core.relay import decode_id
from schema.dispatch.types import (
    AssignmentPayload,
    AssignmentType,
    ConfirmServiceRecordsPayload,
    DispatchError,
    OrderPayload,
    OrderType,
    RecordRefusal,
    RecordType,
    ServiceRecordPayload,
)
from schema.volunteers.mutations import GeoPointInput
from services import geography
from services.common.errors import DomainError
from services.common.presence import Proof
from services.dispatch import STAFF, assignments, orders, places, service_records
from services.dispatch.errors import DispatchErrorCode
from subscriptions.events import encode_cursor


def _id(global_id: relay.GlobalID | None, type_name: str, code: DispatchErrorCode) -> int:
    value = decode_id(global_id, type_name)
    if value is None:
        raise DomainError(code, f"No such {type_name}.", "id")
    return value


async def _district(given: relay.GlobalID | None, location: GeoPointInput) -> int:
    """The named district, or the one whose boundary holds the point."""
    if given is not None:
        return _id(given, "District", DispatchErrorCode.UNKNOWN_DISTRICT)
    found = await geography.district_at(location.lat, location.lng)
    if found is None:
        raise DomainError(
            DispatchErrorCode.UNKNOWN_DISTRICT,
            "The location is in no district of the city: name the district.",
            "district",
        )
    return found.id


async def _order(call: Awaitable[ServiceOrder]) -> OrderPayload:
    return await payload(
        OrderPayload, call, lambda row: OrderPayload(order=OrderType.from_model(row))
    )


async def _assignment(call: Awaitable[OrderAssignment]) -> AssignmentPayload:
    return await payload(
        AssignmentPayload,
        call,
        lambda row: AssignmentPayload(assignment=AssignmentType.from_model(row)),
    )


async def _record(call: Awaitable[ServiceRecord]) -> ServiceRecordPayload:
    return await payload(
        ServiceRecordPayload,
        call,
        lambda row: ServiceRecordPayload(record=RecordType.from_model(row)),
    )


@strawberry.input(description="A need for help, submitted with one tap.")
class SubmitOrderInput:
    category: ServiceCategory = strawberry.field(description="Kind of help.")
    description: str = strawberry.field(description="What is needed (2-2000).")
    address: str = strawberry.field(description="Where.")
    location: GeoPointInput = strawberry.field(description="Map point of the address.")
    district: relay.GlobalID | None = strawberry.field(
        default=None,
        description="District of the address; when omitted, the district whose boundary holds "
        "`location` (UNKNOWN_DISTRICT if none does).",
    )
    community: relay.GlobalID | None = strawberry.field(default=None, description="Community.")
    window_start: datetime = strawberry.field(description="Help wanted from.")
    window_end: datetime = strawberry.field(description="Help wanted until (max 24 h later).")
    volunteers_needed: int = strawberry.field(default=1, description="1-50.")
    required_skills: list[Skill] = strawberry.field(
        default_factory=list, description="Skills needed."
    )
    urgency: Urgency = strawberry.field(default=Urgency.NORMAL, description="Urgency.")
    caller_name: str = strawberry.field(default="", description="Dispatchers: a phone caller.")
    caller_phone: str = strawberry.field(default="", description="Dispatchers: their phone.")


@strawberry.input(description="Volunteers and/or an organisation to serve an order.")
class AssignOrderInput:
    order: relay.GlobalID = strawberry.field(description="The order.")
    volunteers: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Volunteers."
    )
    organization: relay.GlobalID | None = strawberry.field(default=None, description="Or this.")
    note: str = strawberry.field(default="", description="Remark for the history.")


@strawberry.input(description="An order and an optional reason.")
class OrderActionInput:
    order: relay.GlobalID = strawberry.field(description="The order.")
    reason: str = strawberry.field(default="", description="Why.")


@strawberry.input(description="An assignment and an optional reason.")
class AssignmentActionInput:
    assignment: relay.GlobalID = strawberry.field(description="The assignment.")
    reason: str = strawberry.field(default="", description="Why (declines).")
    code: str | None = strawberry.field(
        default=None,
        description="Check-in/out: the rotating code shown by the requester's phone "
        "(`orderAttendanceCode`). This and/or `location` proves presence.",
    )
    location: GeoPointInput | None = strawberry.field(
        default=None,
        description="Check-in/out: where the volunteer's phone is; within "
        "ATTENDANCE_ORDER_RADIUS_M of the order's location (a little farther is flagged).",
    )

    def proof(self) -> Proof:
        where = self.location
        return Proof(self.code, where.lat if where else None, where.lng if where else None)


@strawberry.input(description="Records to confirm at once (at most 100).")
class ConfirmServiceRecordsInput:
    records: list[relay.GlobalID] = strawberry.field(description="The service records.")
    note: str = strawberry.field(default="", description="Remark for each.")


@strawberry.input(description="An order offered to your organisation.")
class TakeOrderPlaceInput:
    order: relay.GlobalID = strawberry.field(description="The order.")


@strawberry.input(description="A decision on hours served.")
class DecideRecordInput:
    record: relay.GlobalID = strawberry.field(description="The service record.")
    hours: Decimal | None = strawberry.field(default=None, description="Count these instead.")
    note: str = strawberry.field(default="", description="Remark.")


@strawberry.input(description="The volunteer's request to correct their hours.")
class CorrectionInput:
    record: relay.GlobalID = strawberry.field(description="The service record.")
    hours: Decimal = strawberry.field(description="The hours actually served.")
    note: str = strawberry.field(description="Why.")


@strawberry.input(description="The requester's rating of a completed order.")
class RateOrderInput:
    order: relay.GlobalID = strawberry.field(description="The order.")
    rating: int = strawberry.field(description="1-5.")
    comment: str = strawberry.field(default="", description="Optional comment.")


ORDER = DispatchErrorCode.ORDER_NOT_FOUND
ASSIGNMENT = DispatchErrorCode.ASSIGNMENT_NOT_FOUND
RECORD = DispatchErrorCode.RECORD_NOT_FOUND


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Ask for help (any resident; dispatchers for callers).",
        extensions=[requires()],
    )
    async def submit_order(self, info: Info, input: SubmitOrderInput) -> OrderPayload:
        who = info.context.principal
        try:
            district_id = await _district(input.district, input.location)
        except DomainError as error:
            return OrderPayload.failed(error.problems)
        community_id = decode_id(input.community, "Community") if input.community else None
        data = orders.NewOrder(
            category=input.category,
            description=input.description,
            address=input.address,
            lat=input.location.lat,
            lng=input.location.lng,
            district_id=district_id,
            community_id=community_id if input.community is None else (community_id or -1),
            window_start=input.window_start,
            window_end=input.window_end,
            volunteers_needed=input.volunteers_needed,
            required_skills=[Skill(s) for s in input.required_skills],
            urgency=input.urgency,
            caller_name=input.caller_name,
            caller_phone=input.caller_phone,
        )
        return await payload(
            OrderPayload,
            orders.submit_recorded(who, data),
            lambda done: OrderPayload(
                order=OrderType.from_model(done.order), event_cursor=encode_cursor(done.event_id)
            ),
        )

    @strawberry.mutation(
        description="Assign an order. Exactly one of concurrent assigners wins; the others get "
        "ORDER_ALREADY_ASSIGNED.",
        extensions=[requires(*STAFF)],
    )
    async def assign_order(self, info: Info, input: AssignOrderInput) -> OrderPayload:
        who = info.context.principal
        try:
            order_id = _id(input.order, "ServiceOrder", ORDER)
            volunteer_ids = [
                _id(v, "Volunteer", DispatchErrorCode.VOLUNTEER_NOT_FOUND) for v in input.volunteers
            ]
            organization_id = (
                _id(input.organization, "Organization", DispatchErrorCode.ORGANIZATION_NOT_FOUND)
                if input.organization
                else None
            )
        except DomainError as error:
            return OrderPayload.failed(error.problems)
        return await _order(
            assignments.assign(who, order_id, volunteer_ids, organization_id, input.note)
        )

    @strawberry.mutation(
        description="Cancel before completion (the requester or a dispatcher).",
        extensions=[requires()],
    )
    async def cancel_order(self, info: Info, input: OrderActionInput) -> OrderPayload:
        who = info.context.principal
        order_id = decode_id(input.order, "ServiceOrder") or -1
        return await _order(orders.cancel(who, order_id, input.reason))

    @strawberry.mutation(
        description="Rate a completed order 1-5, once (the requester).", extensions=[requires()]
    )
    async def rate_order(self, info: Info, input: RateOrderInput) -> OrderPayload:
        who = info.context.principal
        order_id = decode_id(input.order, "ServiceOrder") or -1
        return await _order(orders.rate(who, order_id, input.rating, input.comment))

    @strawberry.mutation(
        description="Accept your assignment (the assigned volunteer).", extensions=[requires()]
    )
    async def accept_assignment(
        self, info: Info, input: AssignmentActionInput
    ) -> AssignmentPayload:
        who = info.context.principal
        return await _assignment(
            assignments.accept(who, decode_id(input.assignment, "OrderAssignment") or -1)
        )

    @strawberry.mutation(
        description="Take one place of an order assigned to an organisation you are an approved "
        "member of (see `organizationOrders`); you get your own ACCEPTED assignment. Refused "
        "with ORDER_FULL once it has the volunteers it needs, NOT_A_MEMBER, ALREADY_SERVING, "
        "VOLUNTEER_BUSY. Of concurrent takers exactly as many as there are places win.",
        extensions=[requires()],
    )
    async def take_order_place(self, info: Info, input: TakeOrderPlaceInput) -> AssignmentPayload:
        who = info.context.principal
        order_id = decode_id(input.order, "ServiceOrder") or -1
        return await _assignment(places.take_place(who, order_id))

    @strawberry.mutation(
        description="Decline your assignment; the order may return to the queue.",
        extensions=[requires()],
    )
    async def decline_assignment(
        self, info: Info, input: AssignmentActionInput
    ) -> AssignmentPayload:
        who = info.context.principal
        assignment_id = decode_id(input.assignment, "OrderAssignment") or -1
        return await _assignment(assignments.decline(who, assignment_id, input.reason))

    @strawberry.mutation(
        description="Check in on arrival (the assigned volunteer), proving presence with the "
        "code shown on site and/or a position near the order's location, from "
        "ATTENDANCE_WINDOW_TOLERANCE_MINUTES before the window. Refusals: PROOF_REQUIRED, "
        "CODE_INVALID, CODE_EXPIRED, TOO_FAR, OUTSIDE_WINDOW, INVALID_LOCATION.",
        extensions=[requires()],
    )
    async def check_in(self, info: Info, input: AssignmentActionInput) -> AssignmentPayload:
        who = info.context.principal
        assignment_id = decode_id(input.assignment, "OrderAssignment") or -1
        return await _assignment(service_records.check_in(who, assignment_id, input.proof()))

    @strawberry.mutation(
        description="Check out, on site as at check-in; files the hours, clipped to the "
        "order's window and flagged where odd, as a PENDING service record (TOO_SHORT before "
        "ATTENDANCE_MIN_MINUTES of the window are served).",
        extensions=[requires()],
    )
    async def check_out(self, info: Info, input: AssignmentActionInput) -> ServiceRecordPayload:
        who = info.context.principal
        assignment_id = decode_id(input.assignment, "OrderAssignment") or -1
        return await _record(service_records.check_out(who, assignment_id, input.proof()))

    @strawberry.mutation(
        description="Confirm many pending records at once, each in its own transaction: "
        "partial success, with each refusal coded per record (RECORD_NOT_FOUND, "
        "RECORD_ALREADY_DECIDED, NOT_DECIDER). A record confirmed twice counts once.",
        extensions=[requires(Role.ORG_ADMIN, *STAFF)],
    )
    async def confirm_service_records(
        self, info: Info, input: ConfirmServiceRecordsInput
    ) -> ConfirmServiceRecordsPayload:
        who = info.context.principal
        ids = [decode_id(g, "ServiceRecord") or -1 for g in input.records]
        try:
            outcome = await service_records.confirm_many(who, ids, input.note)
        except DomainError as error:
            return ConfirmServiceRecordsPayload.failed(error.problems)
        named = dict(zip(ids, input.records, strict=True))
        return ConfirmServiceRecordsPayload(
            confirmed=[RecordType.from_model(r) for r in outcome.confirmed],
            refused=[
                RecordRefusal(record=named[pk], error=DispatchError.listed(e.problems)[0])
                for pk, e in outcome.refused
            ],
        )

    @strawberry.mutation(
        description="Confirm hours (an admin of the volunteer's organisation, or a dispatcher).",
        extensions=[requires()],
    )
    async def confirm_service_record(
        self, info: Info, input: DecideRecordInput
    ) -> ServiceRecordPayload:
        who = info.context.principal
        record_id = decode_id(input.record, "ServiceRecord") or -1
        return await _record(service_records.confirm(who, record_id, input.hours, input.note))

    @strawberry.mutation(
        description="Reject hours (an admin of the volunteer's organisation, or a dispatcher).",
        extensions=[requires()],
    )
    async def reject_service_record(
        self, info: Info, input: DecideRecordInput
    ) -> ServiceRecordPayload:
        who = info.context.principal
        record_id = decode_id(input.record, "ServiceRecord") or -1
        return await _record(service_records.reject(who, record_id, input.note))

    @strawberry.mutation(
        description="Ask to correct your hours (the volunteer).", extensions=[requires()]
    )
    async def request_service_record_correction(
        self, info: Info, input: CorrectionInput
    ) -> ServiceRecordPayload:
        who = info.context.principal
        record_id = decode_id(input.record, "ServiceRecord") or -1
        return await _record(
            service_records.request_correction(who, record_id, input.hours, input.note)
        )
