"""The dispatch state machine at the service level: every step, every refusal coded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.accounts import Role
from models.dispatch import (
    AssignmentStatus,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    RecordStatus,
    ServiceOrder,
)
from models.events import Event
from models.volunteers import Skill, Volunteer
from services.common.errors import DomainError, NotPermitted
from services.dispatch import assignments, escalation, matching, orders, service_records
from services.dispatch.errors import DispatchErrorCode
from tests.conftest import Backend
from tests.dispatch.support import (
    assigned_order,
    assignment_of,
    attend,
    huicheng_order,
    make_centers,
    people,
)
from tests.support import make_user, make_volunteer


def code_of(error: DomainError) -> DispatchErrorCode:
    return DispatchErrorCode(error.problems[0].code)


async def fails(call: Any) -> DispatchErrorCode:
    with pytest.raises(DomainError) as caught:
        await call
    return code_of(caught.value)


async def test_the_full_flow_counts_hours_and_records_every_transition() -> None:
    centers = await make_centers()
    who = await people()
    order_id, assignment_id = await assigned_order(who)
    order = await ServiceOrder.get(id=order_id)
    assert order.dispatch_center_id == centers["district"].id

    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    record = await attend(
        who["volunteer"], assignment_id, start, start + timedelta(hours=2, minutes=30)
    )
    assert record.status == RecordStatus.PENDING and record.hours == Decimal("2.50")
    assert (await ServiceOrder.get(id=order_id)).status == OrderStatus.COMPLETED

    await service_records.confirm(who["dispatcher"], record.id)
    volunteer = await Volunteer.get(id=who["volunteer_id"])
    assert volunteer.total_hours == Decimal("2.50")
    await orders.rate(who["resident"], order_id, 5, "Thank you!")

    steps = await OrderTransition.filter(order_id=order_id).order_by("id")
    assert [(s.from_status, s.to_status) for s in steps] == [
        (None, OrderStatus.SUBMITTED),
        (OrderStatus.SUBMITTED, OrderStatus.ASSIGNED),
        (OrderStatus.ASSIGNED, OrderStatus.ACCEPTED),
        (OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS),
        (OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED),
        (OrderStatus.COMPLETED, OrderStatus.RATED),
    ]
    assert all(s.actor_id is not None for s in steps)
    types = [e.type for e in await Event.all().order_by("id")]
    assert types == [
        "ORDER_SUBMITTED",
        "ORDER_ASSIGNED",
        "ASSIGNMENT_ACCEPTED",
        "ORDER_STARTED",
        "ORDER_COMPLETED",
        "RECORD_CONFIRMED",
        "TIME_TRANSFERRED",
        "ORDER_RATED",
    ]


async def test_routing_prefers_the_most_local_centre() -> None:
    centers = await make_centers()
    who = await people()
    anywhere = await ServiceOrder.get(id=await huicheng_order(who["resident"]))
    assert anywhere.dispatch_center_id == centers["district"].id
    from models.dispatch import CenterCoverage

    coverage = await CenterCoverage.get(center_id=centers["street"].id)
    local = await huicheng_order(who["resident"], community_id=coverage.community_id)
    assert (await ServiceOrder.get(id=local)).dispatch_center_id == centers["street"].id
    from models.geography import District

    boluo = await District.get(code="BOLUO")
    far = await huicheng_order(who["resident"], district_id=boluo.id, lat=23.17, lng=114.28)
    assert (await ServiceOrder.get(id=far)).dispatch_center_id == centers["city"].id


async def test_illegal_transitions_are_coded_and_change_nothing() -> None:
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    # Nothing assigned yet: rating, and assigning nothing.
    assert await fails(orders.rate(who["resident"], order_id, 4)) == "ILLEGAL_TRANSITION"
    assert await fails(assignments.assign(who["dispatcher"], order_id, [])) == "NOTHING_TO_ASSIGN"
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    assignment_id = await assignment_of(order_id, who["volunteer_id"])
    again = assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    assert await fails(again) == "ORDER_ALREADY_ASSIGNED"
    checkin = service_records.check_in(who["volunteer"], assignment_id)
    assert await fails(checkin) == "ILLEGAL_TRANSITION"
    checkout = service_records.check_out(who["volunteer"], assignment_id)
    assert await fails(checkout) == "ILLEGAL_TRANSITION"
    await assignments.accept(who["volunteer"], assignment_id)
    assert await fails(assignments.accept(who["volunteer"], assignment_id)) == "ILLEGAL_TRANSITION"
    await orders.cancel(who["resident"], order_id, "No longer needed")
    assert await fails(orders.cancel(who["resident"], order_id)) == "ILLEGAL_TRANSITION"
    assert await fails(service_records.check_in(who["volunteer"], assignment_id)) == (
        "ILLEGAL_TRANSITION"
    )
    order = await ServiceOrder.get(id=order_id)
    assert order.status == OrderStatus.CANCELLED
    cancelled = await OrderAssignment.get(id=assignment_id)
    assert cancelled.status == AssignmentStatus.CANCELLED
    assert await fails(orders.rate(who["resident"], order_id, 4)) == "ILLEGAL_TRANSITION"


async def test_only_the_right_people_may_act() -> None:
    await make_centers()
    who = await people()
    order_id, assignment_id = await assigned_order(who)
    _, stranger, _ = await make_volunteer("stranger", phone="13900139000")
    with pytest.raises(NotPermitted):
        await assignments.assign(who["resident"], order_id, [who["volunteer_id"]])
    with pytest.raises(NotPermitted):
        await orders.cancel(stranger, order_id)
    assert await fails(assignments.accept(stranger, assignment_id)) == "NOT_YOUR_ASSIGNMENT"


async def test_decline_returns_the_order_to_the_queue() -> None:
    await make_centers()
    who = await people()
    order_id, assignment_id = await assigned_order(who)
    await assignments.decline(who["volunteer"], assignment_id, "I am ill")
    order = await ServiceOrder.get(id=order_id)
    assert order.status == OrderStatus.SUBMITTED
    # The same volunteer is not suggested again for this order.
    assert who["volunteer_id"] not in [s.volunteer.id for s in await matching.suggest(order)]


async def test_a_volunteer_is_not_double_booked() -> None:
    await make_centers()
    who = await people()
    first = await huicheng_order(who["resident"], hours_from_now=2, length=2)
    overlapping = await huicheng_order(who["resident"], hours_from_now=3, length=2)
    later = await huicheng_order(who["resident"], hours_from_now=5, length=1)
    await assignments.assign(who["dispatcher"], first, [who["volunteer_id"]])
    busy = assignments.assign(who["dispatcher"], overlapping, [who["volunteer_id"]])
    assert await fails(busy) == "VOLUNTEER_BUSY"
    assert (await ServiceOrder.get(id=overlapping)).status == OrderStatus.SUBMITTED
    await assignments.assign(who["dispatcher"], later, [who["volunteer_id"]])


async def test_an_unassigned_order_escalates_and_an_unserved_one_expires() -> None:
    centers = await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    assert await escalation.escalate_overdue(datetime.now(UTC)) == 0
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert await escalation.escalate_overdue(later) == 1
    order = await ServiceOrder.get(id=order_id)
    assert order.dispatch_center_id == centers["city"].id
    assert order.status == OrderStatus.SUBMITTED
    escalated = await Event.filter(type="ORDER_ESCALATED").first()
    assert escalated is not None
    assert f"|center:{centers['district'].id}|" in escalated.topics
    assert f"|center:{centers['city'].id}|" in escalated.topics
    # The city centre has no parent: nothing climbs further.
    assert await escalation.escalate_overdue(later + timedelta(hours=3)) == 0
    assert await escalation.expire_overdue(later + timedelta(hours=5)) == 1
    assert (await ServiceOrder.get(id=order_id)).status == OrderStatus.EXPIRED


async def test_hours_corrections_and_decisions() -> None:
    await make_centers()
    who = await people()
    _, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    record = await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=1))
    with pytest.raises(NotPermitted):
        await service_records.confirm(who["volunteer"], record.id)
    await service_records.reject(who["dispatcher"], record.id, "Too short?")
    corrected = await service_records.request_correction(
        who["volunteer"], record.id, Decimal("3"), "I stayed three hours"
    )
    assert corrected.status == RecordStatus.PENDING
    await service_records.confirm(who["dispatcher"], record.id)
    assert (await Volunteer.get(id=who["volunteer_id"])).total_hours == Decimal("3.00")
    again = service_records.confirm(who["dispatcher"], record.id)
    assert await fails(again) == "RECORD_ALREADY_DECIDED"
    bad = service_records.request_correction(who["volunteer"], record.id, Decimal("30"), "x")
    assert await fails(bad) == "INVALID_HOURS"


async def test_rating_once_by_the_requester() -> None:
    await make_centers()
    who = await people()
    order_id, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    start = datetime.now(UTC)
    await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=1))
    assert await fails(orders.rate(who["resident"], order_id, 6)) == "INVALID_RATING"
    with pytest.raises(NotPermitted):
        await orders.rate(who["dispatcher"], order_id, 4)
    await orders.rate(who["resident"], order_id, 4)
    assert await fails(orders.rate(who["resident"], order_id, 5)) == "ALREADY_RATED"


async def test_suggestions_rank_by_skill_and_say_why() -> None:
    await make_centers()
    who = await people()
    _, _, nurse = await make_volunteer(
        "nurse",
        phone="13700137000",
        skills=[Skill.MEDICAL, Skill.ELDERLY_CARE],
        home_lat=23.09,
        home_lng=114.39,
    )
    order_id = await huicheng_order(
        who["resident"], required_skills=[Skill.MEDICAL], volunteers_needed=2
    )
    ranked = await matching.suggest(await ServiceOrder.get(id=order_id), 5)
    assert [s.volunteer.id for s in ranked] == [nurse]
    parts = {p.name: p for p in ranked[0].parts}
    assert parts["skills"].points == 20 and "MEDICAL" in parts["skills"].reason
    assert ranked[0].distance_km is not None and ranked[0].distance_km < 2


async def test_concurrent_assignments_exactly_one_wins(backend: Backend) -> None:
    if not backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    await make_centers()
    who = await people()
    order_id = await huicheng_order(who["resident"])
    dispatchers = [(await make_user(f"dispatcher-{i}", Role.DISPATCHER))[1] for i in range(20)]
    # Each call runs its own transaction on its own pooled connection.
    results = await asyncio.gather(
        *(assignments.assign(d, order_id, [who["volunteer_id"]]) for d in dispatchers),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, ServiceOrder)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 19, results
    assert {code_of(e) for e in losers} == {DispatchErrorCode.ORDER_ALREADY_ASSIGNED}
    assert await OrderAssignment.filter(order_id=order_id).count() == 1
    assert await Event.filter(type="ORDER_ASSIGNED").count() == 1
