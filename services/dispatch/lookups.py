"""Batch reads behind the dispatch DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections.abc import Sequence

from models.dispatch import CenterCoverage, OrderAssignment
from services.common.lookups import grouped_by


async def assignments_of_orders(order_ids: Sequence[int]) -> list[list[OrderAssignment]]:
    rows = await OrderAssignment.filter(order_id__in=list(set(order_ids))).order_by("id")
    return grouped_by(rows, "order_id", order_ids)


async def coverage_of_centers(center_ids: Sequence[int]) -> list[list[CenterCoverage]]:
    rows = await CenterCoverage.filter(center_id__in=list(set(center_ids))).order_by("id")
    return grouped_by(rows, "center_id", center_ids)
