"""Batch reads behind the rewards DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections.abc import Sequence

from models.rewards import (
    Benefit,
    Commendation,
    InsuranceCoverage,
    ServiceCard,
    StarLevelAchievement,
)
from services.common.lookups import counted, grouped_by
from services.rewards.cards import current_card


async def star_levels_of_volunteers(ids: Sequence[int]) -> list[list[StarLevelAchievement]]:
    rows = await StarLevelAchievement.filter(volunteer_id__in=list(set(ids))).order_by("level")
    return grouped_by(rows, "volunteer_id", ids)


async def cards_of_volunteers(ids: Sequence[int]) -> list[ServiceCard | None]:
    rows = await ServiceCard.filter(volunteer_id__in=list(set(ids))).order_by("id")
    return [current_card(cards) for cards in grouped_by(rows, "volunteer_id", ids)]


async def coverage_of_volunteers(ids: Sequence[int]) -> list[list[InsuranceCoverage]]:
    rows = (
        await InsuranceCoverage.filter(volunteer_id__in=list(set(ids)))
        .select_related("policy")
        .order_by("-starts_on", "-id")
    )
    return grouped_by(rows, "volunteer_id", ids)


async def commendations_of_volunteers(ids: Sequence[int]) -> list[list[Commendation]]:
    rows = await Commendation.filter(volunteer_id__in=list(set(ids))).order_by("-awarded_on", "-id")
    return grouped_by(rows, "volunteer_id", ids)


async def benefits_of_providers(ids: Sequence[int]) -> list[list[Benefit]]:
    rows = await Benefit.filter(provider_id__in=list(set(ids))).order_by("id")
    return grouped_by(rows, "provider_id", ids)


async def covered_counts(policy_ids: Sequence[int]) -> list[int]:
    return await counted(InsuranceCoverage.all(), "policy_id", policy_ids)
