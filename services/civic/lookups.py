"""Batch reads behind the civic DataLoaders: one statement for any number of keys."""

from __future__ import annotations

from collections.abc import Sequence

from models.civic import CivicIssue, CivicIssueTransition, CivicPhoto
from services.common.lookups import counted, grouped_by


async def photos_of_issues(issue_ids: Sequence[int]) -> list[list[CivicPhoto]]:
    rows = await CivicPhoto.filter(issue_id__in=list(set(issue_ids))).order_by("id")
    return grouped_by(rows, "issue_id", issue_ids)


async def timelines_of_issues(issue_ids: Sequence[int]) -> list[list[CivicIssueTransition]]:
    rows = await CivicIssueTransition.filter(issue_id__in=list(set(issue_ids))).order_by("id")
    return grouped_by(rows, "issue_id", issue_ids)


async def filed_reports_of_volunteers(volunteer_ids: Sequence[int]) -> list[int]:
    """How many reports of each civic supervisor were filed (their credited participations)."""
    return await counted(CivicIssue.all(), "credited_volunteer_id", volunteer_ids)
