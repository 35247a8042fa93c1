"""Demo civic issues: the catalogue, and 330 issues across every district and category in every
state, in the seed's proportion — 300 of 330 filed, 273 of them fixed (rectified or verified,
not reopened since): 91.0%, the seed's "2,200 filed, 2,000 rectified, 90.9%" at a smaller scale.
Their photos are drawn at seed time with Pillow (no image files in the repository), and their
timelines are complete. Idempotent: does nothing once the demo issues exist."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw

from models.accounts import User
from models.civic import (
    CivicAction,
    CivicCategory,
    CivicIssue,
    CivicIssueTransition,
    CivicSource,
    CivicStatus,
    PhotoPhase,
)
from models.geography import Community
from models.volunteers import Skill, Volunteer
from services.civic import photos as civic_photos
from services.civic.catalogue import ensure_categories
from services.common.images import CleanImage, clean
from services.dispatch import route
from subscriptions.events import atomic

DEMO_PREFIX = "DEMO"
# How many demo issues end in each state; the fixed ones (RECTIFIED, VERIFIED) are 273 of the
# 300 filed (FILED and after, CLOSED_UNRESOLVED included).
STATES: dict[CivicStatus, int] = {
    CivicStatus.REPORTED: 12,
    CivicStatus.NOT_FILED: 10,
    CivicStatus.DUPLICATE: 8,
    CivicStatus.FILED: 5,
    CivicStatus.DISPATCHED: 7,
    CivicStatus.RECTIFYING: 6,
    CivicStatus.RECTIFIED: 45,
    CivicStatus.VERIFIED: 228,
    CivicStatus.CLOSED_UNRESOLVED: 9,
}
# The steps that lead to each state after REPORT (a reopened case repeats dispatch to rectify).
PATH: dict[CivicStatus, tuple[tuple[CivicAction, CivicStatus], ...]] = {
    CivicStatus.REPORTED: (),
    CivicStatus.NOT_FILED: ((CivicAction.REJECT, CivicStatus.NOT_FILED),),
    CivicStatus.DUPLICATE: ((CivicAction.MARK_DUPLICATE, CivicStatus.DUPLICATE),),
    CivicStatus.FILED: ((CivicAction.FILE, CivicStatus.FILED),),
    CivicStatus.DISPATCHED: (
        (CivicAction.FILE, CivicStatus.FILED),
        (CivicAction.DISPATCH, CivicStatus.DISPATCHED),
    ),
    CivicStatus.RECTIFYING: (
        (CivicAction.FILE, CivicStatus.FILED),
        (CivicAction.DISPATCH, CivicStatus.DISPATCHED),
        (CivicAction.START_RECTIFICATION, CivicStatus.RECTIFYING),
    ),
    CivicStatus.RECTIFIED: (
        (CivicAction.FILE, CivicStatus.FILED),
        (CivicAction.DISPATCH, CivicStatus.DISPATCHED),
        (CivicAction.START_RECTIFICATION, CivicStatus.RECTIFYING),
        (CivicAction.RECTIFY, CivicStatus.RECTIFIED),
    ),
    CivicStatus.CLOSED_UNRESOLVED: (
        (CivicAction.FILE, CivicStatus.FILED),
        (CivicAction.DISPATCH, CivicStatus.DISPATCHED),
        (CivicAction.CLOSE_UNRESOLVED, CivicStatus.CLOSED_UNRESOLVED),
    ),
}
PATH[CivicStatus.VERIFIED] = (
    *PATH[CivicStatus.RECTIFIED],
    (CivicAction.VERIFY, CivicStatus.VERIFIED),
)
# A fix found wanting: rectified, reopened, and taken up again.
REOPENED = (
    (CivicAction.START_RECTIFICATION, CivicStatus.RECTIFYING),
    (CivicAction.RECTIFY, CivicStatus.RECTIFIED),
    (CivicAction.REOPEN, CivicStatus.DISPATCHED),
)
NOTES = {
    CivicAction.REJECT: "不属于城市管理范围（私人物业）",
    CivicAction.CLOSE_UNRESOLVED: "权属不明，已移交属地街道",
    CivicAction.REOPEN: "现场复查仍未整改到位",
    CivicAction.VERIFY: "复查已整改",
}


@dataclass(frozen=True)
class DemoPhotos:
    before: dict[str, CleanImage]
    after: CleanImage


def _drawn(seed: int, *, after: bool) -> CleanImage:
    """A small street scene of sorts: sky, road, and (before the fix) a blot of trouble."""
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 220, 480, 360), fill=(90, 90, 95))
    draw.rectangle((0, 200, 480, 220), fill=(170, 170, 160))
    for x in range(20, 480, 90):
        draw.rectangle((x, 286, x + 40, 292), fill=(230, 230, 230))
    if not after:
        x, y = rng.randint(60, 360), rng.randint(180, 260)
        color = (rng.randint(120, 220), rng.randint(40, 120), rng.randint(20, 80))
        draw.ellipse((x, y, x + rng.randint(50, 110), y + rng.randint(30, 70)), fill=color)
    out = _encode(image)
    return clean(out, max_bytes=len(out) + 1, max_pixels=480 * 360)


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _photos(codes: list[str]) -> DemoPhotos:
    return DemoPhotos(
        before={code: _drawn(index, after=False) for index, code in enumerate(codes)},
        after=_drawn(0, after=True),
    )


async def seed_civic() -> int:
    """Returns the number of issues added."""
    await ensure_categories()
    if await CivicIssue.exists(token__startswith=DEMO_PREFIX):
        return 0
    categories = await CivicCategory.filter(active=True).order_by("position", "id")
    communities = await Community.all().order_by("id")
    resident = await User.get_or_none(username="resident")
    supervisors = (
        await Volunteer.filter(skills__contains=f"|{Skill.CIVIC_SUPERVISION.value}|")
        .order_by("id")
        .limit(40)
    )
    photos = _photos([c.code for c in categories])
    centers = {c.id: (await route(c.district_id, c.id)).id for c in communities}
    rng = random.Random(909)
    now = datetime.now(UTC)
    plan = [status for status, count in STATES.items() for _ in range(count)]
    rng.shuffle(plan)
    # A duplicate links to an earlier report: the first issue is never one.
    first = next(i for i, s in enumerate(plan) if s is not CivicStatus.DUPLICATE)
    plan.insert(0, plan.pop(first))
    added = 0
    originals: list[int] = []
    async with atomic():
        for index, status in enumerate(plan):
            category = categories[index % len(categories)]
            community = communities[(index * 7) % len(communities)]
            reported = now - timedelta(days=rng.uniform(3, 330), minutes=rng.randint(0, 600))
            supervisor = (
                supervisors[index % len(supervisors)] if supervisors and index % 3 else None
            )
            issue = await CivicIssue.create(
                token=f"{DEMO_PREFIX}{index:08d}",
                reporter_id=resident.id if resident and supervisor is None else None,
                anonymous=index % 11 == 0,
                contact_name=supervisor.real_name if supervisor else "",
                source=CivicSource.PHONE if index % 13 == 0 else CivicSource.APP,
                category_id=category.id,
                description=f"{category.name_zh}：{community.name}附近，请尽快处理。",
                lat=community.center_lat + rng.uniform(-0.004, 0.004),
                lng=community.center_lng + rng.uniform(-0.004, 0.004),
                address=f"{community.name}{rng.randint(1, 300)}号附近",
                district_id=community.district_id,
                community_id=community.id,
                dispatch_center_id=centers[community.id],
                reported_at=reported,
                updated_at=reported,
                duplicate_of_id=originals[-1] if status is CivicStatus.DUPLICATE else None,
            )
            if status is not CivicStatus.DUPLICATE:
                originals.append(issue.id)
            await _live(issue, status, category, supervisor, photos, rng, now)
            added += 1
    return added


async def _live(
    issue: CivicIssue,
    status: CivicStatus,
    category: CivicCategory,
    supervisor: Volunteer | None,
    photos: DemoPhotos,
    rng: random.Random,
    now: datetime,
) -> None:
    """Writes the timeline up to `status`, then the issue's fields and photos to match."""
    at = issue.reported_at
    steps = list(PATH[status])
    reopened = status in (CivicStatus.VERIFIED, CivicStatus.DISPATCHED) and rng.random() < 0.08
    if reopened:
        # After the first dispatch (FILE, DISPATCH): a first fix, reopened, then what follows.
        steps[2:2] = REOPENED
    await _step(issue, CivicAction.REPORT, None, CivicStatus.REPORTED, at, "demo data")
    previous, filed_at, rectified_at = CivicStatus.REPORTED, None, None
    for action, to in steps:
        at = min(at + timedelta(hours=rng.uniform(0.5, category.deadline_hours * 0.8)), now)
        await _step(issue, action, previous, to, at, NOTES.get(action, ""))
        filed_at = at if action is CivicAction.FILE else filed_at
        rectified_at = at if action is CivicAction.RECTIFY else rectified_at
        rectified_at = None if action is CivicAction.REOPEN else rectified_at
        previous = to
    issue.status = status
    issue.status_note = NOTES.get(steps[-1][0], "") if steps else ""
    issue.updated_at = at
    issue.reopen_count = 1 if reopened else 0
    if filed_at is not None:
        issue.filed_at = filed_at
        issue.department = category.department
        issue.deadline = filed_at + timedelta(hours=category.deadline_hours)
        issue.credited_volunteer_id = supervisor.id if supervisor else None
    if rectified_at is not None and filed_at is not None:
        issue.rectified_at = rectified_at
        issue.rectify_seconds = int((rectified_at - filed_at).total_seconds())
    if status is CivicStatus.VERIFIED:
        issue.verified_at = at
    if status in (CivicStatus.NOT_FILED, CivicStatus.DUPLICATE, CivicStatus.CLOSED_UNRESOLVED):
        issue.closed_at = at
    await issue.save()
    stored = await civic_photos.store([photos.before[category.code]])
    await civic_photos.attach(issue.id, PhotoPhase.REPORT, issue.reporter_id, stored, at)
    if rectified_at is not None:
        stored = await civic_photos.store([photos.after])
        await civic_photos.attach(issue.id, PhotoPhase.AFTER, None, stored, rectified_at)


async def _step(
    issue: CivicIssue,
    action: CivicAction,
    previous: CivicStatus | None,
    to: CivicStatus,
    at: datetime,
    note: str,
) -> None:
    await CivicIssueTransition.create(
        issue_id=issue.id, action=action, from_status=previous, to_status=to, at=at, note=note
    )
