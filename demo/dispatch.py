"""Demo dispatch data: the seed's 8 centres (one city centre, one per district) and a spread
of orders in every state. Idempotent: does nothing once the city centre exists."""

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

CITY_CENTER = "惠州市志愿服务调度中心"
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
    if await DispatchCenter.exists(name=CITY_CENTER):
        return 0
    districts = await District.all().order_by("id")
    resident = await User.get_or_none(username="resident")
    volunteers = await Volunteer.filter(status="ACTIVE").order_by("id").limit(len(STATES) * 7)
    now = datetime.now(UTC)
    added = 0
    async with atomic():
        city = await DispatchCenter.create(name=CITY_CENTER, level=CenterLevel.CITY)
        for d_index, district in enumerate(districts):
            center = await DispatchCenter.create(
                name=f"{district.name}志愿服务调度中心",
                level=CenterLevel.DISTRICT,
                parent=city,
                auto_assign=d_index == 0,
            )
            await CenterCoverage.create(center=center, district=district)
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
                    order=order, from_status=None, to_status=status, at=now, note="demo data"
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
