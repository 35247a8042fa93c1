"""Open311 at the service level: our statuses as open/closed with notes, the spec's search rules
(ids override, 90-day window, the cap), creating requests with an API key, and the same issues
seen by the civic services (what GraphQL calls) and by Open311 both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.civic import CivicIssue, CivicSource, CivicStatus
from services import accounts, civic, open311
from services.civic import lifecycle as civic_lifecycle
from services.common.errors import DomainError, NotAuthenticated, NotPermitted
from services.common.principal import Principal, Scope
from services.common.storage import media_url
from services.open311 import search as open311_search
from services.open311.search import RequestSearch, search_requests, window
from services.open311.submit import Submission, client_for, contact_name, submit
from tests.civic.support import civic_world, gif, jpeg, rectified, report
from tests.dispatch.support import HUICHENG_LAT, HUICHENG_LNG
from tests.support import count_statements

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def who() -> dict[str, Any]:
    return await civic_world()


@pytest.fixture
async def app_client() -> Principal:
    _, key = await accounts.create_api_client("Huizhou civic app", [Scope.OPEN311_WRITE])
    return await client_for(key)


def codes(error: DomainError) -> list[tuple[str, str | None]]:
    return [(p.code.value, p.field) for p in error.problems]


def stored_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


def submission(**overrides: Any) -> Submission:
    values: dict[str, Any] = {
        "service_code": "ROAD_DAMAGE",
        "lat": str(HUICHENG_LAT),
        "long": str(HUICHENG_LNG),
        "address_string": "惠城区江北文昌一路 8 号",
        "description": "A pothole in the cycle lane",
    }
    values.update(overrides)
    return Submission(**values)


# Statuses


def test_every_status_is_open_or_closed_as_the_spec_means_it() -> None:
    # "open: it has been reported", "closed: it has been resolved" (GET Service Requests)
    assert {s: open311.open311_status(s) for s in CivicStatus} == {
        CivicStatus.REPORTED: "open",
        CivicStatus.FILED: "open",
        CivicStatus.DISPATCHED: "open",
        CivicStatus.RECTIFYING: "open",
        CivicStatus.RECTIFIED: "closed",
        CivicStatus.VERIFIED: "closed",
        CivicStatus.NOT_FILED: "closed",
        CivicStatus.DUPLICATE: "closed",
        CivicStatus.CLOSED_UNRESOLVED: "closed",
    }


async def test_a_request_follows_the_case_from_report_to_reopening_and_verification(
    who: dict[str, Any],
) -> None:
    staff = who["dispatcher"]
    issue = await report(who["resident"])
    category = await issue.category

    reported = await open311.request_view(issue.token)
    assert (reported.status, reported.expected_datetime) == ("open", None)
    assert reported.status_notes.startswith("Reported;")
    assert reported.agency_responsible == category.department

    await civic_lifecycle.file_issue(staff, issue.id, department="惠城区城市管理局", note="立案")
    filed = await open311.request_view(issue.token.lower())
    stored = await CivicIssue.get(id=issue.id)
    assert (filed.status, filed.status_notes) == ("open", "Filed as a case. 立案")
    assert filed.agency_responsible == "惠城区城市管理局"
    assert filed.expected_datetime == stored.deadline is not None
    assert filed.updated_datetime == stored.updated_at

    await civic_lifecycle.dispatch_issue(staff, issue.id)
    await civic_lifecycle.start_rectification(staff, issue.id)
    rectifying = await open311.request_view(issue.token)
    assert (rectifying.status, rectifying.status_notes) == (
        "open",
        "The department is rectifying it.",
    )
    await civic_lifecycle.rectify_issue(staff, issue.id, photos=[("after.jpg", jpeg())])
    assert (await open311.request_view(issue.token)).status == "closed"

    await civic_lifecycle.reopen_issue(who["resident"], issue.id, "Still full of rubble")
    reopened = await open311.request_view(issue.token)
    assert reopened.status == "open"
    assert reopened.status_notes == (
        "Reopened (not actually fixed) and dispatched again. Still full of rubble"
    )

    await civic_lifecycle.start_rectification(staff, issue.id)
    await civic_lifecycle.rectify_issue(staff, issue.id, photos=[("after2.jpg", jpeg())])
    await civic_lifecycle.verify_issue(who["resident"], issue.id)
    verified = await open311.request_view(issue.token)
    assert (verified.status, verified.status_notes) == (
        "closed",
        "Rectified, and the fix verified.",
    )


async def test_closures_that_are_not_fixes_say_why(who: dict[str, Any]) -> None:
    staff = who["dispatcher"]
    original = await report(who["resident"])
    duplicate = await report(who["other"])
    rejected = await report(who["other"], category_code="NOISE")
    unresolved = await report(who["resident"], category_code="STREETLIGHT_OUT")
    await civic_lifecycle.mark_duplicate(staff, duplicate.id, original.id)
    await civic_lifecycle.reject_issue(staff, rejected.id, "Private land, not the city's")
    await civic_lifecycle.file_issue(staff, unresolved.id)
    await civic_lifecycle.close_unresolved(staff, unresolved.id, "Awaiting the power company")

    views = await search_requests(
        RequestSearch(service_request_ids=[duplicate.token, rejected.token, unresolved.token])
    )

    assert [(v.status, v.status_notes) for v in views] == [
        ("closed", f"A duplicate of request {original.token}."),
        ("closed", "Not filed as a case. Private land, not the city's"),
        ("closed", "Closed without a fix. Awaiting the power company"),
    ]


# Searching


def test_the_window_is_the_most_recent_90_days_unless_given() -> None:
    days = timedelta(days=1)
    assert window(None, None, NOW) == (NOW - 90 * days, NOW)
    assert window(NOW - 200 * days, None, NOW) == (NOW - 200 * days, NOW - 110 * days)
    assert window(None, NOW - 10 * days, NOW) == (NOW - 100 * days, NOW - 10 * days)
    assert window(NOW - 90 * days, NOW, NOW) == (NOW - 90 * days, NOW)

    with pytest.raises(DomainError) as too_long:
        window(NOW - 91 * days, NOW, NOW)
    with pytest.raises(DomainError) as backwards:
        window(NOW, NOW - days, NOW)

    assert codes(too_long.value) == [("INVALID_DATE_RANGE", "end_date")]
    assert codes(backwards.value) == [("INVALID_DATE_RANGE", "end_date")]


def test_dates_are_w3_datetimes_with_a_zone() -> None:
    assert open311_search.parse_datetime("2010-01-01T00:00:00Z", "start_date") == datetime(
        2010, 1, 1, tzinfo=UTC
    )
    assert open311_search.parse_datetime("1994-11-05T08:15:30-05:00", "start_date") == datetime(
        1994, 11, 5, 13, 15, 30, tzinfo=UTC
    )
    assert open311_search.parse_datetime("2010-01-01", "end_date") == datetime(
        2010, 1, 1, tzinfo=UTC
    )
    for wrong in ("2010-01-01T00:00:00", "yesterday", "2010-13-01T00:00:00Z"):
        with pytest.raises(DomainError) as refused:
            open311_search.parse_datetime(wrong, "end_date")
        assert codes(refused.value) == [("INVALID_DATE", "end_date")]


async def test_filters_by_service_status_and_requested_datetime(who: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    old = await report(who["resident"], reported_at=now - timedelta(days=120))
    litter = await report(who["resident"], reported_at=now - timedelta(days=3))
    noise = await report(who["other"], category_code="NOISE", reported_at=now - timedelta(days=2))
    await civic_lifecycle.reject_issue(who["dispatcher"], noise.id, "Within permitted hours")

    def tokens(views: list[open311.RequestView]) -> list[str]:
        return [v.service_request_id for v in views]

    # newest first, the last 90 days by default
    assert tokens(await search_requests(RequestSearch())) == [noise.token, litter.token]
    assert tokens(await search_requests(RequestSearch(service_codes=["LITTERING"]))) == [
        litter.token
    ]
    assert tokens(await search_requests(RequestSearch(statuses=["closed"]))) == [noise.token]
    assert tokens(await search_requests(RequestSearch(statuses=["open", "closed"]))) == [
        noise.token,
        litter.token,
    ]
    earlier = RequestSearch(start=now - timedelta(days=130), end=now - timedelta(days=100))
    assert tokens(await search_requests(earlier)) == [old.token]
    # end_date is the latest datetime included
    assert tokens(await search_requests(RequestSearch(end=litter.reported_at))) == [litter.token]
    # ids override every other argument, and come back in the order asked
    by_id = RequestSearch(
        service_request_ids=[old.token, "NO-SUCH-ONE", litter.token.lower()],
        service_codes=["NOISE"],
        statuses=["closed"],
    )
    assert tokens(await search_requests(by_id)) == [old.token, litter.token]


async def test_bad_filters_are_coded(who: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as unknown:
        await search_requests(RequestSearch(service_codes=["LITTERING", "UFO"]))
    with pytest.raises(DomainError) as status:
        await search_requests(RequestSearch(statuses=["pending"]))
    with pytest.raises(DomainError) as many:
        await search_requests(RequestSearch(service_request_ids=[f"X{n}" for n in range(1001)]))

    assert codes(unknown.value) == [("UNKNOWN_SERVICE_CODE", "service_code")]
    assert codes(status.value) == [("INVALID_STATUS", "status")]
    assert codes(many.value) == [("TOO_MANY_IDS", "service_request_id")]


async def test_at_most_the_cap_newest_first(
    who: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cap is 1,000; three stand for it here
    monkeypatch.setattr(open311_search, "MAX_REQUESTS", 3)
    now = datetime.now(UTC)
    issues = [await report(who["resident"], reported_at=now - timedelta(hours=h)) for h in range(5)]

    views = await search_requests(RequestSearch())

    assert [v.service_request_id for v in views] == [i.token for i in issues[:3]]


async def test_a_list_costs_the_same_statements_for_1_or_20_requests(
    who: dict[str, Any],
) -> None:
    async def statements() -> int:
        with count_statements() as counter:
            await search_requests(RequestSearch())
        return len(counter.statements)

    await report(who["resident"])
    one = await statements()
    for _ in range(19):
        await report(who["other"])
    twenty = await statements()

    assert len(await search_requests(RequestSearch())) == 20
    assert one == twenty == 3


# Creating


async def test_an_app_reports_with_a_photo_and_the_civic_services_see_it(
    who: dict[str, Any], app_client: Principal
) -> None:
    issue = await submit(
        app_client,
        submission(
            first_name="三",
            last_name="张",
            phone="138 0013 8000",
            email="zhang@example.cn",
            media=[("pothole.jpg", jpeg(gps=True))],
        ),
    )

    # it is a civic issue like any other, found by the services GraphQL calls
    assert [i.id for i in await civic.list_issues()] == [issue.id]
    stored = await civic.get_issue(issue.token)
    assert stored is not None
    assert stored.source is CivicSource.OPEN311
    assert (stored.reporter_id, stored.api_client_id) == (None, app_client.api_client_id)
    assert stored.anonymous
    assert (stored.contact_name, stored.contact_phone) == ("张三", "13800138000")
    assert stored.address == "惠城区江北文昌一路 8 号"
    photos = await stored.photos.all()
    assert len(photos) == 1
    view = await open311.request_view(issue.token)
    assert view.media_url == media_url(photos[0].storage_key)
    assert view.description == "A pothole in the cycle lane"


async def test_issues_reported_in_the_app_are_open311_requests(who: dict[str, Any]) -> None:
    issue = await report(who["resident"], anonymous=True)

    [view] = await search_requests(RequestSearch())

    assert view.service_request_id == issue.token
    assert (view.service_code, view.service_name) == ("LITTERING", "Littering and exposed garbage")
    assert (view.lat, view.long) == (issue.lat, issue.lng)


async def test_without_words_the_service_name_describes_the_request(
    who: dict[str, Any], app_client: Principal
) -> None:
    issue = await submit(app_client, submission(description="  "))

    assert issue.description == "Road damage"


def test_names_are_joined_in_the_order_of_their_script() -> None:
    assert contact_name("三", "张") == "张三"
    assert contact_name("John", "Smith") == "John Smith"
    assert contact_name("", "Smith") == "Smith"


async def test_every_problem_of_the_arguments_at_once_and_nothing_stored(
    who: dict[str, Any], app_client: Principal, media_storage: Path
) -> None:
    files_before = stored_files(media_storage)
    cases = {
        "nothing": (
            Submission(),
            [("SERVICE_CODE_MISSING", "service_code"), ("LOCATION_MISSING", "lat, long")],
        ),
        "address only": (
            submission(lat="", long=""),
            [("ADDRESS_NOT_GEOCODED", "lat, long")],
        ),
        "one coordinate": (submission(long=""), [("INVALID_COORDINATES", "lat, long")]),
        "not numbers": (submission(lat="north"), [("INVALID_COORDINATES", "lat, long")]),
        "linked media": (
            submission(media_url="http://example.com/a.jpg"),
            [("MEDIA_URL_NOT_ACCEPTED", "media_url")],
        ),
        "four photos": (
            submission(media=[("a.jpg", b"")] * 4),
            [("TOO_MANY_MEDIA", "media")],
        ),
        "civic checks": (
            submission(lat="40.0", phone="12", email="nobody", media=[("a.gif", gif())]),
            [
                ("INVALID_LOCATION", "lat, long"),
                ("INVALID_PHONE", "phone"),
                ("INVALID_EMAIL", "email"),
                ("UNSUPPORTED_IMAGE", "media.0"),
            ],
        ),
        "long address": (
            submission(address_string="路" * 257),
            [("INVALID_ADDRESS", "address_string")],
        ),
    }
    for name, (given, expected) in cases.items():
        with pytest.raises(DomainError) as refused:
            await submit(app_client, given)
        assert codes(refused.value) == expected, name

    with pytest.raises(DomainError) as unknown:
        await submit(app_client, submission(service_code="UFO", lat="north"))
    assert codes(unknown.value) == [("SERVICE_NOT_FOUND", "service_code")]
    assert await CivicIssue.all().count() == 0
    assert stored_files(media_storage) == files_before


async def test_only_an_api_key_with_the_open311_scope_may_create(
    who: dict[str, Any],
) -> None:
    _, reader_key = await accounts.create_api_client("Reader", [Scope.READ])
    disabled, disabled_key = await accounts.create_api_client("Old", [Scope.OPEN311_WRITE])
    disabled.enabled = False
    await disabled.save()
    token = (await accounts.login("resident1", "correct-horse-9")).access_token

    with pytest.raises(NotAuthenticated):
        await client_for("  ")
    for key in (reader_key, disabled_key, token, "vc_nope_x", reader_key + "x"):
        with pytest.raises(NotPermitted):
            await client_for(key)
    with pytest.raises(NotPermitted):
        await submit(who["resident"], submission())
    assert await CivicIssue.all().count() == 0


async def test_the_token_of_a_request_is_its_service_request_id(
    who: dict[str, Any],
) -> None:
    issue = await rectified(who)

    assert await open311.request_id_of_token(issue.token.lower()) == issue.token
    with pytest.raises(DomainError) as missing:
        await open311.request_id_of_token("NOPE")
    assert codes(missing.value) == [("TOKEN_NOT_FOUND", "token")]
