"""Demo dispatch orders: a spread in every state for each district centre that bootstrap loaded
(the seed's 8 centres are reference data), and automatic assignment switched on for the first
district's, to try it. Idempotent: does nothing once demo orders exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.accounts import User
from models.dispatch import (
    AssignmentStatus,
    CenterCoverage,
    CenterLevel,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    OrderTransition,
    ServiceCategory,
    ServiceOrder,
)
from models.geography import District
from models.volunteers import Volunteer
from subscriptions.events import atomic

DEMO_NOTE = "demo data"
# status -> the assignment status its volunteer holds, if any.
STATES = {
    OrderStatus.SUBMITTED: None,
    OrderStatus.ASSIGNED: AssignmentStatus.ASSIGNED,
    OrderStatus.ACCEPTED: AssignmentStatus.ACCEPTED,
    OrderStatus.IN_PROGRESS: AssignmentStatus.CHECKED_IN,
    OrderStatus.COMPLETED: AssignmentStatus.CHECKED_OUT,
    OrderStatus.RATED: AssignmentStatus.CHECKED_OUT,
    OrderStatus.CANCELLED: None,
    OrderStatus.EXPIRED: None,
}


async def seed_dispatch() -> int:
    """Returns the number of orders added."""
    if await OrderTransition.exists(note=DEMO_NOTE):
        return 0
    districts = await District.all().order_by("id")
    local = {
        row.district_id: row.center_id
        for row in await CenterCoverage.filter(
            community_id=None, center__level=CenterLevel.DISTRICT
        )
    }
    resident = await User.get_or_none(username="resident")
    volunteers = await Volunteer.filter(status="ACTIVE").order_by("id").limit(len(STATES) * 7)
    now = datetime.now(UTC)
    added = 0
    async with atomic():
        for d_index, district in enumerate(districts):
            center = await DispatchCenter.get_or_none(id=local.get(district.id, 0))
            if center is None:
                continue
            if d_index == 0 and not center.auto_assign:
                center.auto_assign = True
                await center.save(update_fields=["auto_assign"])
            for s_index, (status, held) in enumerate(STATES.items()):
                past = status in (OrderStatus.COMPLETED, OrderStatus.RATED, OrderStatus.EXPIRED)
                start = now + timedelta(days=-2 if past else 1, hours=s_index + d_index)
                order = await ServiceOrder.create(
                    requester=resident,
                    category=list(ServiceCategory)[(s_index + d_index) % len(ServiceCategory)],
                    description=f"{district.name}居民服务需求 {s_index + 1}",
                    address=f"{district.name}示范社区 {s_index + 1} 号",
                    lat=district.center_lat,
                    lng=district.center_lng,
                    district=district,
                    window_start=start,
                    window_end=start + timedelta(hours=2),
                    status=status,
                    dispatch_center=center,
                    routed_at=now,
                    # Rated with a time, so the statistics and the wall count them: mostly
                    # satisfied, as the seed's 90%, with the odd 3.
                    rating=(5, 4, 5, 3, 5, 4, 5)[d_index % 7]
                    if status == OrderStatus.RATED
                    else None,
                    rated_at=now if status == OrderStatus.RATED else None,
                )
                await OrderTransition.create(
                    order=order, from_status=None, to_status=status, at=now, note=DEMO_NOTE
                )
                index = d_index * len(STATES) + s_index
                if held is not None and index < len(volunteers):
                    await OrderAssignment.create(
                        order=order,
                        volunteer=volunteers[index],
                        status=held,
                        window_start=order.window_start,
                        window_end=order.window_end,
                    )
                added += 1
    return added
