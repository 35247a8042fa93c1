"""The demo civic issues: every state, the seed's rectification rate, consistent timelines and
photos that exist, and a second run that adds nothing."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from demo.civic import STATES, seed_civic
from models.civic import CivicIssue, CivicIssueTransition, CivicPhoto, CivicStatus, PhotoPhase
from services.civic import statistics as civic_statistics
from services.common.storage import get_storage
from tests.dispatch.support import make_centers


async def test_the_demo_issues_cover_every_state_at_the_seeds_rate(media_storage: Path) -> None:
    await make_centers()

    added = await seed_civic()

    assert added == sum(STATES.values()) and await seed_civic() == 0
    by_status = {s: await CivicIssue.filter(status=s).count() for s in CivicStatus}
    assert all(by_status[s] > 0 for s in CivicStatus)
    figures = await civic_statistics.civic_statistics()
    assert figures.rectification_rate is not None
    assert abs(figures.rectification_rate - 0.909) < 0.005
    assert figures.reopened > 0 and figures.median_seconds_to_rectify is not None


async def test_demo_timelines_and_photos_agree_with_the_issues(media_storage: Path) -> None:
    await make_centers()
    await seed_civic()

    for issue in await CivicIssue.all().order_by("id").limit(60):
        steps = await CivicIssueTransition.filter(issue_id=issue.id).order_by("id")
        assert steps[0].from_status is None and steps[-1].to_status is issue.status
        assert all(a.to_status is b.from_status for a, b in pairwise(steps))
        photos = await CivicPhoto.filter(issue_id=issue.id)
        assert any(p.phase is PhotoPhase.REPORT for p in photos)
        fixed = issue.status in (CivicStatus.RECTIFIED, CivicStatus.VERIFIED)
        assert fixed == any(p.phase is PhotoPhase.AFTER for p in photos)
        assert fixed == (issue.rectify_seconds is not None)
        assert (issue.status is CivicStatus.DUPLICATE) == (issue.duplicate_of_id is not None)
        assert await get_storage().get(photos[0].storage_key) is not None
