"""Batch reads behind the geography DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections.abc import Sequence

from models.geography import Community
from services.common.lookups import grouped_by


async def communities_of_districts(district_ids: Sequence[int]) -> list[list[Community]]:
    rows = await Community.filter(district_id__in=list(set(district_ids))).order_by("id")
    return grouped_by(rows, "district_id", district_ids)
