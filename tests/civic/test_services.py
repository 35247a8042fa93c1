"""Civic issues at the service level: reporting with photos, the lifecycle and its timeline,
coded refusals that change nothing, duplicates, supervisors' credit, events."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from models.civic import (
    CivicAction,
    CivicIssue,
    CivicIssueTransition,
    CivicPhoto,
    CivicSource,
    CivicStatus,
    PhotoPhase,
)
from models.dispatch import CenterCoverage
from models.events import Event
from services import civic
from services.civic import lifecycle as civic_lifecycle
from services.civic.events import CITY_TOPIC, district_topic, issue_topic
from services.common.errors import DomainError, NotAuthenticated, NotPermitted
from services.common.principal import ANONYMOUS
from services.common.storage import get_storage
from services.dispatch import center_topic
from subscriptions.events import unpack_topics
from tests.civic.support import GPS_IFD, civic_world, gif, jpeg, png, rectified, report, webp


@pytest.fixture
async def who() -> dict[str, Any]:
    return await civic_world()


def codes(error: DomainError) -> list[tuple[str, str | None]]:
    return [(p.code.value, p.field) for p in error.problems]


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_a_report_is_routed_stored_cleaned_and_announced(
    who: dict[str, Any], media_storage: Path
) -> None:
    street = await CenterCoverage.get(center_id=who["centers"]["street"].id)
    issue = await report(
        who["resident"],
        photos=[("a.jpg", jpeg(gps=True)), ("b.png", png())],
        district_id=street.district_id,
        community_id=street.community_id,
    )

    assert issue.status is CivicStatus.REPORTED
    assert issue.dispatch_center_id == who["centers"]["street"].id
    assert len(issue.token) == 12 and await civic.get_issue(issue.token.lower()) == issue
    photos = await CivicPhoto.filter(issue_id=issue.id).order_by("id")
    assert [(p.phase, p.content_type) for p in photos] == [
        (PhotoPhase.REPORT, "image/jpeg"),
        (PhotoPhase.REPORT, "image/png"),
    ]
    data = await get_storage().get(photos[0].storage_key)
    assert data is not None
    with Image.open(io.BytesIO(data)) as stored:
        assert GPS_IFD not in stored.getexif() and "comment" not in stored.info
    assert await get_storage().get(photos[0].thumbnail_key) is not None
    [transition] = await CivicIssueTransition.filter(issue_id=issue.id)
    assert (transition.action, transition.to_status) == (CivicAction.REPORT, CivicStatus.REPORTED)
    [event] = await Event.all()
    assert event.type == "CIVIC_ISSUE_REPORTED"
    assert set(unpack_topics(event.topics)) == {
        issue_topic(issue.id),
        district_topic(issue.district_id),
        CITY_TOPIC,
        center_topic(issue.dispatch_center_id),
    }


async def test_every_bad_input_is_reported_at_once_and_nothing_is_stored(
    who: dict[str, Any], media_storage: Path
) -> None:
    before = stored_files(media_storage)
    with pytest.raises(DomainError) as caught:
        await report(
            who["resident"],
            category_code="NOPE",
            description="x",
            lat=40.0,
            photos=[
                ("ok.jpg", jpeg()),
                ("notes.jpg", b"this is not an image at all"),
                ("anim.gif", gif()),
                ("empty.png", b""),
            ],
        )
    assert codes(caught.value) == [
        ("UNKNOWN_CATEGORY", "category"),
        ("INVALID_DESCRIPTION", "description"),
        ("INVALID_LOCATION", "location"),
        ("TOO_MANY_PHOTOS", "photos"),
    ]
    with pytest.raises(DomainError) as caught:
        await report(
            who["resident"],
            photos=[("ok.jpg", jpeg()), ("notes.jpg", b"not an image"), ("anim.gif", gif())],
        )
    assert codes(caught.value) == [
        ("UNSUPPORTED_IMAGE", "photos.1"),
        ("UNSUPPORTED_IMAGE", "photos.2"),
    ]
    assert await CivicIssue.all().count() == 0 and await Event.all().count() == 0
    assert stored_files(media_storage) == before


async def test_photos_are_accepted_by_content_and_a_report_needs_one(
    who: dict[str, Any],
) -> None:
    issue = await report(who["resident"], photos=[("really-a-png.jpg", png()), ("w", webp())])
    types = await CivicPhoto.filter(issue_id=issue.id).values_list("content_type", flat=True)
    assert sorted(types) == ["image/png", "image/webp"]

    with pytest.raises(DomainError) as caught:
        await report(who["resident"], photos=[])
    assert codes(caught.value) == [("PHOTO_REQUIRED", "photos")]


async def test_a_position_alone_finds_its_district_and_community(who: dict[str, Any]) -> None:
    far_north = await report(who["resident"], lat=23.40, lng=114.60)  # Longmen way
    seat = await report(who["resident"])

    assert far_north.district_id != seat.district_id
    assert seat.community_id is not None
    assert seat.dispatch_center_id in (who["centers"]["district"].id, who["centers"]["street"].id)


async def test_who_may_report_through_which_channel(who: dict[str, Any]) -> None:
    with pytest.raises(NotAuthenticated):
        await report(ANONYMOUS)
    with pytest.raises(NotAuthenticated):
        await civic.report_issue(None, category_code="NOISE", description="x", lat=0, lng=0)
    with pytest.raises(NotPermitted):
        await report(who["resident"], source=CivicSource.PHONE)
    phoned = await report(
        who["dispatcher"],
        source=CivicSource.PHONE,
        photos=[],
        address="",
        contact_name="王先生",
        contact_phone="138 0013 8000",
    )
    assert (phoned.source, phoned.contact_phone) == (CivicSource.PHONE, "13800138000")


async def test_the_whole_life_with_a_timeline(who: dict[str, Any]) -> None:
    issue = await rectified(who)
    verified = await civic_lifecycle.verify_issue(who["resident"], issue.id, "clean now")

    assert verified.status is CivicStatus.VERIFIED and verified.verified_at is not None
    assert verified.rectify_seconds is not None and verified.rectify_seconds >= 0
    steps = await CivicIssueTransition.filter(issue_id=issue.id).order_by("id")
    assert [(s.action, s.to_status) for s in steps] == [
        (CivicAction.REPORT, CivicStatus.REPORTED),
        (CivicAction.FILE, CivicStatus.FILED),
        (CivicAction.DISPATCH, CivicStatus.DISPATCHED),
        (CivicAction.START_RECTIFICATION, CivicStatus.RECTIFYING),
        (CivicAction.RECTIFY, CivicStatus.RECTIFIED),
        (CivicAction.VERIFY, CivicStatus.VERIFIED),
    ]
    types = await Event.all().order_by("id").values_list("type", flat=True)
    assert types[-1] == "CIVIC_ISSUE_VERIFIED" and len(types) == 6
    filed = await CivicIssue.get(id=issue.id)
    assert filed.department == "惠州市城市管理和综合执法局环境卫生管理处"
    assert filed.deadline is not None and filed.filed_at is not None


async def test_reopening_sends_the_case_back_and_voids_the_fix(who: dict[str, Any]) -> None:
    issue = await rectified(who)
    with pytest.raises(DomainError) as caught:
        await civic_lifecycle.reopen_issue(who["resident"], issue.id, "")
    assert codes(caught.value) == [("REASON_REQUIRED", "reason")]
    with pytest.raises(NotPermitted):
        await civic_lifecycle.reopen_issue(who["other"], issue.id, "still dirty")

    reopened = await civic_lifecycle.reopen_issue(who["supervisor"], issue.id, "still dirty")

    assert reopened.status is CivicStatus.DISPATCHED and reopened.reopen_count == 1
    assert reopened.rectified_at is None and reopened.rectify_seconds is None
    staff = who["dispatcher"]
    await civic_lifecycle.start_rectification(staff, issue.id)
    # The old after photo was taken before the reopening: it proves nothing now.
    with pytest.raises(DomainError) as caught:
        await civic_lifecycle.rectify_issue(staff, issue.id)
    assert codes(caught.value) == [("AFTER_PHOTO_REQUIRED", "photos")]
    await civic_lifecycle.add_photos(staff, issue.id, [("x.jpg", jpeg())], phase=PhotoPhase.AFTER)
    again = await civic_lifecycle.rectify_issue(staff, issue.id)
    assert again.status is CivicStatus.RECTIFIED


async def test_illegal_moves_and_strangers_are_refused_with_nothing_changed(
    who: dict[str, Any],
) -> None:
    issue = await report(who["resident"])
    staff = who["dispatcher"]
    for move in (
        civic_lifecycle.dispatch_issue(staff, issue.id),
        civic_lifecycle.start_rectification(staff, issue.id),
        civic_lifecycle.rectify_issue(staff, issue.id, photos=[("a.jpg", jpeg())]),
        civic_lifecycle.verify_issue(staff, issue.id),
        civic_lifecycle.close_unresolved(staff, issue.id, "outside our powers"),
    ):
        with pytest.raises(DomainError) as caught:
            await move
        assert codes(caught.value) == [("ILLEGAL_TRANSITION", None)]
    with pytest.raises(NotPermitted):
        await civic_lifecycle.file_issue(who["resident"], issue.id)
    with pytest.raises(DomainError) as caught:
        await civic_lifecycle.file_issue(staff, 999_999)
    assert codes(caught.value) == [("ISSUE_NOT_FOUND", "id")]

    assert (await CivicIssue.get(id=issue.id)).status is CivicStatus.REPORTED
    assert await CivicIssueTransition.filter(issue_id=issue.id).count() == 1
    assert await CivicPhoto.filter(issue_id=issue.id).count() == 1
    assert await Event.all().count() == 1


async def test_not_filed_and_closed_unresolved_need_a_reason(who: dict[str, Any]) -> None:
    staff = who["dispatcher"]
    first = await report(who["resident"])
    second = await report(who["resident"])
    rejected = await civic_lifecycle.reject_issue(staff, first.id, "private property")
    assert (rejected.status, rejected.status_note) == (CivicStatus.NOT_FILED, "private property")

    await civic_lifecycle.file_issue(staff, second.id)
    with pytest.raises(DomainError):
        await civic_lifecycle.close_unresolved(staff, second.id, " ")
    closed = await civic_lifecycle.close_unresolved(staff, second.id, "owner unknown")
    assert closed.status is CivicStatus.CLOSED_UNRESOLVED and closed.rectified_at is None


async def test_a_duplicate_follows_its_original(who: dict[str, Any]) -> None:
    staff = who["dispatcher"]
    original = await report(who["resident"])
    copy = await report(who["other"])
    third = await report(who["other"])
    with pytest.raises(DomainError) as caught:
        await civic_lifecycle.mark_duplicate(staff, copy.id, copy.id)
    assert codes(caught.value) == [("SELF_DUPLICATE", "original")]

    await civic_lifecycle.mark_duplicate(staff, copy.id, original.id)
    # A duplicate of the duplicate links to the first report.
    marked = await civic_lifecycle.mark_duplicate(staff, third.id, copy.id)
    assert marked.duplicate_of_id == original.id
    await civic_lifecycle.file_issue(staff, original.id)

    filed = await Event.filter(type="CIVIC_ISSUE_FILED").first()
    assert filed is not None
    assert {issue_topic(copy.id), issue_topic(third.id)} <= set(unpack_topics(filed.topics))


async def test_filing_a_supervisors_report_credits_them(who: dict[str, Any]) -> None:
    staff = who["dispatcher"]
    by_supervisor = await report(who["supervisor"])
    by_volunteer = await report(who["volunteer"])
    not_filed = await report(who["supervisor"])

    await civic_lifecycle.file_issue(staff, by_supervisor.id)
    await civic_lifecycle.file_issue(staff, by_volunteer.id)
    await civic_lifecycle.reject_issue(staff, not_filed.id, "not a city matter")

    credited = await CivicIssue.filter(credited_volunteer_id=who["supervisor_id"]).count()
    assert credited == 1
    assert (await CivicIssue.get(id=by_volunteer.id)).credited_volunteer_id is None


async def test_similar_issues_are_open_of_the_category_within_50_metres(
    who: dict[str, Any],
) -> None:
    lat, lng = 23.0837, 114.3828
    near = await report(who["resident"], lat=lat + 0.0002, lng=lng)  # ~22 m north
    await report(who["resident"], lat=lat + 0.0006, lng=lng)  # ~67 m: too far
    await report(who["resident"], lat=lat, lng=lng, category_code="NOISE")
    closed = await report(who["resident"], lat=lat, lng=lng)
    await civic_lifecycle.reject_issue(who["dispatcher"], closed.id, "already handled")

    found = await civic.similar_issues(lat, lng, "LITTERING")

    assert [issue.id for issue, _ in found] == [near.id]
    assert 20 < found[0][1] < 25


async def test_update_photos_by_reporter_after_photos_by_staff(who: dict[str, Any]) -> None:
    issue = await report(who["resident"])
    await civic_lifecycle.add_photos(who["resident"], issue.id, [("more.jpg", jpeg())])
    with pytest.raises(NotPermitted):
        await civic_lifecycle.add_photos(
            who["resident"], issue.id, [("fix.jpg", jpeg())], phase=PhotoPhase.AFTER
        )
    with pytest.raises(NotPermitted):
        await civic_lifecycle.add_photos(who["other"], issue.id, [("x.jpg", jpeg())])
    with pytest.raises(DomainError) as caught:
        await civic_lifecycle.add_photos(who["resident"], issue.id, [("x.jpg", b"GIF89a")])
    assert codes(caught.value) == [("UNSUPPORTED_IMAGE", "photos.0")]
    assert await CivicPhoto.filter(issue_id=issue.id).count() == 2


async def test_racing_decisions_on_one_report_take_effect_once(who: dict[str, Any]) -> None:
    issue = await report(who["resident"])
    staff = who["dispatcher"]

    async def decide(index: int) -> str:
        try:
            if index % 2:
                await civic_lifecycle.file_issue(staff, issue.id)
            else:
                await civic_lifecycle.reject_issue(staff, issue.id, "not a city matter")
            return "decided"
        except DomainError as error:
            return error.problems[0].code.value

    outcomes = await asyncio.gather(*(decide(i) for i in range(8)))

    assert sorted(outcomes) == ["ILLEGAL_TRANSITION"] * 7 + ["decided"]
    assert await CivicIssueTransition.filter(issue_id=issue.id).count() == 2
    assert await Event.all().count() == 2


async def test_the_list_filters_open311_needs(who: dict[str, Any]) -> None:
    noisy = await report(who["resident"], category_code="NOISE")
    await report(who["resident"])

    by_code = await civic.list_issues(civic.IssueFilter(category_codes=["NOISE", "NOPE"]))
    by_token = await civic.list_issues(civic.IssueFilter(tokens=[noisy.token]))
    later = await civic.list_issues(civic.IssueFilter(reported_from=noisy.reported_at))

    assert [i.id for i in by_code] == [i.id for i in by_token] == [noisy.id]
    assert len(later) == 2
