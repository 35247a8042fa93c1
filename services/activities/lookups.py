"""Batch reads behind the activities' DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from models.activities import (
    ActivityPosition,
    ActivitySession,
    Qualification,
    SignUp,
    SignUpStatus,
)
from services.common.lookups import grouped_by


async def sessions_of_activities(activity_ids: Sequence[int]) -> list[list[ActivitySession]]:
    rows = await ActivitySession.filter(activity_id__in=list(set(activity_ids))).order_by(
        "starts_at", "id"
    )
    return grouped_by(rows, "activity_id", activity_ids)


async def positions_of_activities(activity_ids: Sequence[int]) -> list[list[ActivityPosition]]:
    rows = await ActivityPosition.filter(activity_id__in=list(set(activity_ids))).order_by("id")
    return grouped_by(rows, "activity_id", activity_ids)


async def sign_ups_of_sessions(session_ids: Sequence[int]) -> list[list[SignUp]]:
    rows = await SignUp.filter(session_id__in=list(set(session_ids))).order_by("id")
    return grouped_by(rows, "session_id", session_ids)


async def status_counts_of_sessions(
    session_ids: Sequence[int],
) -> list[dict[tuple[int, SignUpStatus], int]]:
    """Per session: how many sign-ups each (position, status) has; one grouped statement."""
    rows: list[Any] = await (
        SignUp.filter(session_id__in=list(set(session_ids)))
        .group_by("session_id", "position_id", "status")
        .annotate(n=Count("id"))
        .values_list("session_id", "position_id", "status", "n")
    )
    counts: dict[int, dict[tuple[int, SignUpStatus], int]] = defaultdict(dict)
    for session_id, position_id, status, n in rows:
        counts[int(session_id)][(int(position_id), SignUpStatus(status))] = int(n)
    return [counts.get(i, {}) for i in session_ids]


async def status_counts_of_activities(
    activity_ids: Sequence[int],
) -> list[dict[SignUpStatus, int]]:
    """Per activity, over its upcoming sessions: sign-ups by status; one grouped statement."""
    rows: list[Any] = await (
        SignUp.filter(activity_id__in=list(set(activity_ids)), ends_at__gt=datetime.now(UTC))
        .group_by("activity_id", "status")
        .annotate(n=Count("id"))
        .values_list("activity_id", "status", "n")
    )
    counts: dict[int, dict[SignUpStatus, int]] = defaultdict(dict)
    for activity_id, status, n in rows:
        counts[int(activity_id)][SignUpStatus(status)] = int(n)
    return [counts.get(i, {}) for i in activity_ids]


async def qualifications_of_volunteers(volunteer_ids: Sequence[int]) -> list[list[Qualification]]:
    rows = await Qualification.filter(volunteer_id__in=list(set(volunteer_ids))).order_by(
        "-expires_at", "id"
    )
    return grouped_by(rows, "volunteer_id", volunteer_ids)
