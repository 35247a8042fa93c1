"""Batch reads behind the civic DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise.functions import Count

from models.civic import CivicIssue, CivicIssueTransition, CivicPhoto


async def photos_of_issues(issue_ids: Sequence[int]) -> list[list[CivicPhoto]]:
    grouped: dict[int, list[CivicPhoto]] = defaultdict(list)
    for row in await CivicPhoto.filter(issue_id__in=list(set(issue_ids))).order_by("id"):
        grouped[row.issue_id].append(row)
    return [grouped.get(i, []) for i in issue_ids]


async def timelines_of_issues(issue_ids: Sequence[int]) -> list[list[CivicIssueTransition]]:
    rows = await CivicIssueTransition.filter(issue_id__in=list(set(issue_ids))).order_by("id")
    grouped: dict[int, list[CivicIssueTransition]] = defaultdict(list)
    for row in rows:
        grouped[row.issue_id].append(row)
    return [grouped.get(i, []) for i in issue_ids]


async def filed_reports_of_volunteers(volunteer_ids: Sequence[int]) -> list[int]:
    """How many reports of each civic supervisor were filed (their credited participations)."""
    rows = (
        await CivicIssue.filter(credited_volunteer_id__in=list(set(volunteer_ids)))
        .group_by("credited_volunteer_id")
        .annotate(n=Count("id"))
        .values_list("credited_volunteer_id", "n")
    )
    counts = {int(volunteer): int(n) for volunteer, n in rows}
    return [counts.get(i, 0) for i in volunteer_ids]
