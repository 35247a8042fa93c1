"""Proof of service on orders: check-in and check-out refuse what does not prove presence
(coded, changing nothing), the hours are clipped to the order's window, and what is odd is
flagged on the record for the confirmer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.dispatch import (
    AssignmentStatus,
    OrderAssignment,
    RecordFlag,
    ServiceOrder,
    ServiceRecord,
)
from services.common.errors import DomainError, NotPermitted
from services.common.presence import Proof, Subject, current_code
from services.dispatch import assignments, service_records
from services.dispatch.errors import DispatchErrorCode
from settings import get_settings
from tests.dispatch.support import (
    AT_ORDER,
    HUICHENG_LAT,
    HUICHENG_LNG,
    assigned_order,
    attend,
    make_centers,
    people,
)

METRES_PER_DEGREE = 111_200


def metres_north(metres: float) -> Proof:
    return Proof(lat=HUICHENG_LAT + metres / METRES_PER_DEGREE, lng=HUICHENG_LNG)


async def refused(call: Any) -> DispatchErrorCode:
    with pytest.raises(DomainError) as caught:
        await call
    return DispatchErrorCode(caught.value.problems[0].code)


async def accepted(who: dict[str, Any]) -> tuple[ServiceOrder, int]:
    order_id, assignment_id = await assigned_order(who)
    await assignments.accept(who["volunteer"], assignment_id)
    return await ServiceOrder.get(id=order_id), assignment_id


async def test_a_check_in_that_proves_nothing_is_refused_and_changes_nothing() -> None:
    await make_centers()
    who = await people()
    order, assignment_id = await accepted(who)
    start = order.window_start
    code = current_code(Subject.ORDER, order.id, start).code
    stale = current_code(Subject.ORDER, order.id, start - timedelta(minutes=10)).code
    other = current_code(Subject.ORDER, order.id + 1, start).code
    cases = [
        (Proof(), start, "PROOF_REQUIRED"),
        (Proof(code=other), start, "CODE_INVALID"),
        (Proof(code=stale), start, "CODE_EXPIRED"),
        (metres_north(5_000), start, "TOO_FAR"),
        (Proof(lat=HUICHENG_LAT), start, "INVALID_LOCATION"),
        # The complaint of issue 14: six hours before the window, anywhere.
        (Proof(code=code), start - timedelta(hours=6), "OUTSIDE_WINDOW"),
        (AT_ORDER, order.window_end, "OUTSIDE_WINDOW"),
    ]
    for proof, at, code_expected in cases:
        call = service_records.check_in(who["volunteer"], assignment_id, proof, now=at)
        assert await refused(call) == code_expected, (proof, at)
    row = await OrderAssignment.get(id=assignment_id)
    assert row.status == AssignmentStatus.ACCEPTED and row.checked_in_at is None
    checked = await service_records.check_in(
        who["volunteer"], assignment_id, Proof(code=code), now=start
    )
    assert checked.status == AssignmentStatus.CHECKED_IN and checked.checkin_flags is None


async def test_a_check_out_seconds_after_check_in_files_nothing() -> None:
    await make_centers()
    who = await people()
    order, assignment_id = await accepted(who)
    start = order.window_start
    await service_records.check_in(who["volunteer"], assignment_id, AT_ORDER, now=start)
    soon = service_records.check_out(
        who["volunteer"], assignment_id, AT_ORDER, now=start + timedelta(seconds=3)
    )
    assert await refused(soon) == "TOO_SHORT"
    elsewhere = service_records.check_out(
        who["volunteer"], assignment_id, metres_north(3_000), now=start + timedelta(hours=1)
    )
    assert await refused(elsewhere) == "TOO_FAR"
    assert not await ServiceRecord.exists(assignment_id=assignment_id)
    row = await OrderAssignment.get(id=assignment_id)
    assert row.status == AssignmentStatus.CHECKED_IN


async def test_hours_are_clipped_to_the_window_and_anomalies_are_flagged() -> None:
    await make_centers()
    who = await people()
    order, assignment_id = await accepted(who)
    tolerance = get_settings().attendance_far_tolerance_m
    early = order.window_start - timedelta(minutes=10)
    await service_records.check_in(
        who["volunteer"], assignment_id, metres_north(200 + tolerance / 2), now=early
    )
    record = await service_records.check_out(
        who["volunteer"], assignment_id, AT_ORDER, now=order.window_end + timedelta(hours=3)
    )
    window = order.window_end - order.window_start
    assert record.hours == Decimal(int(window.total_seconds()) // 36) / 100
    assert record.started_at == order.window_start and record.ended_at == order.window_end
    assert record.flags == "|BEYOND_WINDOW|FAR_CHECK_IN|"


async def test_a_second_record_for_the_same_time_is_flagged_as_overlapping() -> None:
    await make_centers()
    who = await people()
    start = datetime.now(UTC) - timedelta(hours=3)
    _, first = await accepted(who)
    await attend(who["volunteer"], first, start, start + timedelta(hours=2))
    _, second = await accepted(who)
    record = await attend(
        who["volunteer"], second, start + timedelta(hours=1), start + timedelta(hours=2)
    )
    assert record.flags == f"|{RecordFlag.OVERLAPS.value}|"


async def test_a_correction_is_flagged_manual_for_the_confirmer() -> None:
    await make_centers()
    who = await people()
    _, assignment_id = await accepted(who)
    start = datetime.now(UTC) - timedelta(hours=2)
    record = await attend(who["volunteer"], assignment_id, start, start + timedelta(hours=1))
    assert record.flags is None
    corrected = await service_records.request_correction(
        who["volunteer"], record.id, Decimal("3"), "I stayed longer"
    )
    assert corrected.flags == "|MANUAL|"


async def test_only_the_requester_and_staff_see_an_orders_code() -> None:
    await make_centers()
    who = await people()
    order, _ = await accepted(who)
    _, shown = await service_records.order_code(who["resident"], order.id)
    _, read_out = await service_records.order_code(who["dispatcher"], order.id)
    assert shown.code == read_out.code
    with pytest.raises(NotPermitted):
        await service_records.order_code(who["volunteer"], order.id)
