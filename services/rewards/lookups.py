"""Batch reads behind the rewards DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from tortoise.functions import Count
from tortoise.models import Model

from models.rewards import (
    Benefit,
    Commendation,
    InsuranceCoverage,
    ServiceCard,
    StarLevelAchievement,
)
from services.rewards.cards import current_card

M = TypeVar("M", bound=Model)


def _grouped(rows: list[M], key: str, ids: Sequence[int]) -> list[list[M]]:
    grouped: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return [grouped.get(i, []) for i in ids]


async def star_levels_of_volunteers(ids: Sequence[int]) -> list[list[StarLevelAchievement]]:
    rows = await StarLevelAchievement.filter(volunteer_id__in=list(set(ids))).order_by("level")
    return _grouped(rows, "volunteer_id", ids)


async def cards_of_volunteers(ids: Sequence[int]) -> list[ServiceCard | None]:
    rows = await ServiceCard.filter(volunteer_id__in=list(set(ids))).order_by("id")
    return [current_card(cards) for cards in _grouped(rows, "volunteer_id", ids)]


async def coverage_of_volunteers(ids: Sequence[int]) -> list[list[InsuranceCoverage]]:
    rows = (
        await InsuranceCoverage.filter(volunteer_id__in=list(set(ids)))
        .select_related("policy")
        .order_by("-starts_on", "-id")
    )
    return _grouped(rows, "volunteer_id", ids)


async def commendations_of_volunteers(ids: Sequence[int]) -> list[list[Commendation]]:
    rows = await Commendation.filter(volunteer_id__in=list(set(ids))).order_by("-awarded_on", "-id")
    return _grouped(rows, "volunteer_id", ids)


async def benefits_of_providers(ids: Sequence[int]) -> list[list[Benefit]]:
    rows = await Benefit.filter(provider_id__in=list(set(ids))).order_by("id")
    return _grouped(rows, "provider_id", ids)


async def covered_counts(policy_ids: Sequence[int]) -> list[int]:
    rows = (
        await InsuranceCoverage.filter(policy_id__in=list(set(policy_ids)))
        .group_by("policy_id")
        .annotate(n=Count("id"))
        .values("policy_id", "n")
    )
    counts = {int(row["policy_id"]): int(row["n"]) for row in rows}
    return [counts.get(i, 0) for i in policy_ids]
