"""Batch reads behind the time bank's per-request DataLoaders: one statement for any number
of keys."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import Q

from models.dispatch import ServiceOrder
from models.timebank import OrderPayment


async def payments_of_orders(order_ids: Sequence[int]) -> list[OrderPayment | None]:
    rows = {
        row.order_id: row for row in await OrderPayment.filter(order_id__in=list(set(order_ids)))
    }
    return [rows.get(i) for i in order_ids]


async def orders_of_transfers(transfer_ids: Sequence[int]) -> list[ServiceOrder | None]:
    """The order a transfer paid for (a withdrawal) or gave back (a refund), if any."""
    ids = list(set(transfer_ids))
    found: dict[int, ServiceOrder] = {}
    payments = OrderPayment.filter(Q(withdrawal_id__in=ids) | Q(refund_id__in=ids))
    for payment in await payments.select_related("order"):
        found[payment.withdrawal_id] = payment.order
        if payment.refund_id is not None:
            found[payment.refund_id] = payment.order
    return [found.get(i) for i in transfer_ids]
