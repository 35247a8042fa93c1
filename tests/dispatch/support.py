"""Helpers for the dispatch tests: centres, orders, and walking an order through its life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.accounts import Role
from models.dispatch import (
    CenterCoverage,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    ServiceCategory,
    ServiceOrder,
    ServiceRecord,
)
from models.geography import Community, District
from services.common.presence import Proof
from services.common.principal import Principal
from services.dispatch import assignments, orders, service_records
from tests.support import make_user, make_volunteer

HUICHENG_LAT, HUICHENG_LNG = 23.0837, 114.3828
# The volunteer's phone at the order's address: proof of presence by position.
AT_ORDER = Proof(lat=HUICHENG_LAT, lng=HUICHENG_LNG)


async def make_centers() -> dict[str, DispatchCenter]:
    """City centre, Huicheng district centre, and a street centre for one Huicheng community."""
    huicheng = await District.get(code="HUICHENG")
    community = await Community.filter(district_id=huicheng.id).order_by("id").first()
    assert community is not None
    city = await DispatchCenter.create(name="惠州市志愿服务调度中心", level=CenterLevel.CITY)
    district = await DispatchCenter.create(
        name="惠城区调度中心", level=CenterLevel.DISTRICT, parent=city, escalate_after_minutes=30
    )
    street = await DispatchCenter.create(
        name="江北街道调度站", level=CenterLevel.STREET, parent=district, escalate_after_minutes=15
    )
    await CenterCoverage.create(center=district, district=huicheng)
    await CenterCoverage.create(center=street, district=huicheng, community=community)
    return {"city": city, "district": district, "street": street}


def new_order(hours_from_now: float = 2, length: float = 2, **overrides: Any) -> orders.NewOrder:
    start = datetime.now(UTC) + timedelta(hours=hours_from_now)
    values: dict[str, Any] = {
        "category": ServiceCategory.ELDERLY_CARE,
        "description": "Help an elderly neighbour to the clinic",
        "address": "惠城区江北文昌一路 8 号",
        "lat": HUICHENG_LAT,
        "lng": HUICHENG_LNG,
        "district_id": 0,
        "window_start": start,
        "window_end": start + timedelta(hours=length),
    }
    values.update(overrides)
    return orders.NewOrder(**values)


async def huicheng_order(requester: Principal, **overrides: Any) -> int:
    district = await District.get(code="HUICHENG")
    overrides.setdefault("district_id", district.id)
    order = await orders.submit(requester, new_order(**overrides))
    return order.id


async def people() -> dict[str, Any]:
    _, resident = await make_user("resident1", Role.RESIDENT)
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    _, volunteer, volunteer_id = await make_volunteer("volunteer1")
    return {
        "resident": resident,
        "dispatcher": dispatcher,
        "volunteer": volunteer,
        "volunteer_id": volunteer_id,
    }


async def assignment_of(order_id: int, volunteer_id: int) -> int:
    from models.dispatch import OrderAssignment

    row = await OrderAssignment.get(order_id=order_id, volunteer_id=volunteer_id)
    return row.id


async def assigned_order(who: dict[str, Any]) -> tuple[int, int]:
    order_id = await huicheng_order(who["resident"])
    await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    return order_id, await assignment_of(order_id, who["volunteer_id"])


async def attend(
    volunteer: Principal, assignment_id: int, start: datetime, end: datetime
) -> ServiceRecord:
    """Checks in at `start` and out at `end`, on site, with the order's window moved to be
    exactly that (orders are submitted for the future; the service here may be in the past)."""
    assignment = await OrderAssignment.get(id=assignment_id)
    await ServiceOrder.filter(id=assignment.order_id).update(window_start=start, window_end=end)
    await OrderAssignment.filter(order_id=assignment.order_id).update(
        window_start=start, window_end=end
    )
    await service_records.check_in(volunteer, assignment_id, AT_ORDER, now=start)
    return await service_records.check_out(volunteer, assignment_id, AT_ORDER, now=end)
