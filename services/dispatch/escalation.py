"""The clock's part in dispatch: orders left unassigned climb to the parent centre, and orders
whose window passed unserved expire. Run by the app's periodic task (and by tests, with `now`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.dispatch import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    DispatchCenter,
    OrderAssignment,
    OrderStatus,
    ServiceOrder,
)
from services.dispatch import (
    DispatchEventType,
    active_volunteer_ids,
    center_topic,
    int_values,
    locked_order,
    move,
    record_transition,
)
from services.timebank.refunds import refund_if_paid
from subscriptions.events import atomic


async def escalate_overdue(now: datetime | None = None) -> int:
    """Orders left unassigned past their centre's limit move up to its parent centre. Safe to
    run in every process at once: each move is conditional on the centre it was read with."""
    now = now or datetime.now(UTC)
    moved = 0
    centers = {c.id: c for c in await DispatchCenter.filter(parent_id__isnull=False)}
    for center in centers.values():
        cutoff = now - timedelta(minutes=center.escalate_after_minutes)
        ids = await int_values(
            ServiceOrder.filter(
                dispatch_center_id=center.id, status=OrderStatus.SUBMITTED, routed_at__lte=cutoff
            ),
            "id",
        )
        for order_id in ids:
            async with atomic() as tx:
                changed = await ServiceOrder.filter(
                    id=order_id, status=OrderStatus.SUBMITTED, dispatch_center_id=center.id
                ).update(dispatch_center_id=center.parent_id, routed_at=now, updated_at=now)
                if not changed:
                    continue
                order = await ServiceOrder.get(id=order_id)
                await record_transition(
                    tx,
                    order,
                    OrderStatus.SUBMITTED,
                    OrderStatus.SUBMITTED,
                    None,
                    DispatchEventType.ORDER_ESCALATED,
                    f"escalated from {center.name} after {center.escalate_after_minutes} min",
                    extra_topics=[center_topic(center.id)],
                )
                moved += 1
    return moved


async def expire_overdue(now: datetime | None = None) -> int:
    """Orders whose window has passed before anyone started serving them."""
    now = now or datetime.now(UTC)
    unserved = (OrderStatus.SUBMITTED, OrderStatus.ASSIGNED, OrderStatus.ACCEPTED)
    expired = 0
    overdue = ServiceOrder.filter(status__in=unserved, window_end__lte=now)
    for order_id in await int_values(overdue, "id"):
        async with atomic() as tx:
            order = await locked_order(order_id)
            if order.status not in unserved:
                continue
            volunteers = await active_volunteer_ids(order.id)
            await OrderAssignment.filter(order_id=order.id, status__in=OPEN_ASSIGNMENT).update(
                status=AssignmentStatus.CANCELLED
            )
            await move(
                tx,
                order,
                OrderStatus.EXPIRED,
                None,
                DispatchEventType.ORDER_EXPIRED,
                note="the requested window passed unserved",
                volunteer_ids=volunteers,
            )
            # Bought with time-bank credits: refunded in this same transaction, once.
            await refund_if_paid(tx, order, None)
            expired += 1
    return expired


async def sweep(now: datetime | None = None) -> tuple[int, int]:
    """The periodic task of the app: expiry first, so an expired order is not escalated."""
    return await expire_overdue(now), await escalate_overdue(now)
