"""Civic issues through the schema: the whole life and the reopen path with every live stream
seeing each step, who sees whom, coded errors, and the statement count of every list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import pytest
from strawberry import relay
from strawberry.types import ExecutionResult

from models.civic import (
    CivicAction,
    CivicCategory,
    CivicIssue,
    CivicIssueTransition,
    CivicPhoto,
    CivicStatus,
    PhotoPhase,
)
from models.dispatch import DispatchCenter
from models.geography import District
from schema.core.context import Context
from services.common.principal import ANONYMOUS, Principal
from subscriptions.hub import EventHub
from tests.civic.support import civic_world, jpeg, png, report
from tests.support import SCHEMA, count_statements, data_of, error_codes, gql

ISSUE_FIELDS = """id token status statusNote department deadline overdue reopenCount
  category { code nameZh } district { name } dispatchCenter { name }
  photos { phase url thumbnailUrl contentType width height }
  timeline { action fromStatus toStatus note byReporter actorName }
  reporter { name isYou } contact { name phone }"""
REPORT = f"""mutation ($input: ReportCivicIssueInput!) {{
  reportCivicIssue(input: $input) {{ civicIssue {{ {ISSUE_FIELDS} }} errors {{ code field }} }}
}}"""
STEP = """mutation {name}($input: {input}!) {{
  {field}(input: $input) {{ civicIssue {{ status reopenCount photos {{ phase }} }}
    errors {{ code field }} }}
}}"""
FILE = STEP.format(name="File", input="FileCivicIssueInput", field="fileCivicIssue")
DISPATCH = STEP.format(name="Dispatch", input="DispatchCivicIssueInput", field="dispatchCivicIssue")
START = STEP.format(name="Start", input="CivicIssueNoteInput", field="startRectification")
RECTIFY = STEP.format(name="Rectify", input="RectifyCivicIssueInput", field="rectifyCivicIssue")
VERIFY = STEP.format(name="Verify", input="CivicIssueNoteInput", field="verifyCivicIssue")
REOPEN = STEP.format(name="Reopen", input="CivicIssueReasonInput", field="reopenCivicIssue")
REJECT = STEP.format(name="Reject", input="CivicIssueReasonInput", field="rejectCivicIssue")
CLOSE = STEP.format(name="Close", input="CivicIssueReasonInput", field="closeCivicIssueUnresolved")
DUPLICATE = STEP.format(
    name="Duplicate", input="MarkCivicIssueDuplicateInput", field="markCivicIssueDuplicate"
)
ADD_PHOTOS = STEP.format(
    name="AddPhotos", input="AddCivicIssuePhotosInput", field="addCivicIssuePhotos"
)
ISSUE = f"""query ($id: ID!) {{ civicIssue(id: $id) {{ {ISSUE_FIELDS} }} }}"""
WALL = """subscription ($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor note
    ... on CivicIssueEvent { eventType issueStatus previousIssueStatus civicIssue { status } }
    ... on DispatchEvent { type status orderId }
  }
}"""
UPDATED = """subscription ($id: ID!) {
  civicIssueUpdated(issue: $id) { eventType issueStatus civicIssueId }
}"""
DISTRICT_FEED = """subscription ($district: ID) {
  civicIssuesFeed(district: $district) { eventType issueStatus }
}"""
LIST = """query ($first: Int!, $filter: CivicIssueFilter) {
  civicIssues(first: $first, filter: $filter) {
    totalCount
    nodes {
      token status category { code } district { name } community { name }
      dispatchCenter { name } duplicateOf { token category { code } }
      photos { url } timeline { action actorName } reporter { name }
    }
  }
}"""
CATEGORIES = "{ civicCategories { id code nameZh nameEn department deadlineHours group } }"
SIMILAR = """query ($lat: Float!, $lng: Float!, $category: ID!) {
  similarIssues(lat: $lat, lng: $lng, category: $category) {
    distanceMeters issue { token status }
  }
}"""
SUPERVISORS = """{ volunteers(first: 100) { nodes { realName civicReportsFiled } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


@pytest.fixture
async def who() -> dict[str, Any]:
    return await civic_world()


async def report_input(**overrides: Any) -> dict[str, Any]:
    category = await CivicCategory.get(code="LITTERING")
    values: dict[str, Any] = {
        "category": gid("CivicCategory", category.id),
        "description": "Construction waste dumped beside the bus stop",
        "location": {"lat": 23.0837, "lng": 114.3828},
        "address": "惠城区江北文昌一路 8 号",
        "photos": [jpeg(gps=True)],
    }
    values.update(overrides)
    return values


async def step(document: str, principal: Principal, **input: Any) -> dict[str, Any]:
    data = await data_of(document, {"input": input}, principal)
    return dict(next(iter(data.values())))


class Watch:
    """Collects a subscription's events in the background until told how many to expect."""

    def __init__(self, stream: AsyncGenerator[ExecutionResult, None], field: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._stream = stream
        self._field = field
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for result in self._stream:
            assert result.errors is None, result.errors
            assert result.data is not None
            self.events.append(result.data[self._field])

    async def until(self, count: int) -> list[dict[str, Any]]:
        for _ in range(200):
            if len(self.events) >= count:
                break
            await asyncio.sleep(0.05)
        if self._task.done() and self._task.exception() is not None:
            raise AssertionError("the subscription failed") from self._task.exception()
        self._task.cancel()
        return self.events


async def watch(
    document: str, variables: dict[str, Any], principal: Principal, hub: EventHub, field: str
) -> Watch:
    stream = await SCHEMA.subscribe(
        document, variable_values=variables, context_value=Context(principal=principal, hub=hub)
    )
    assert not isinstance(stream, ExecutionResult), stream
    watching = Watch(stream, field)
    # Attached to the hub before anything happens (the stream starts from now).
    await asyncio.sleep(0.2)
    return watching


async def test_report_to_verified_with_the_wall_and_followers_seeing_each_step(
    who: dict[str, Any], hub: EventHub
) -> None:
    staff = who["dispatcher"]
    district = await District.get(code="HUICHENG")
    center = await DispatchCenter.get(id=who["centers"]["district"].id)
    wall = await watch(
        WALL, {"center": gid("DispatchCenter", center.id)}, staff, hub, "dispatchFeed"
    )
    area = await watch(
        DISTRICT_FEED,
        {"district": gid("District", district.id)},
        who["other"],
        hub,
        "civicIssuesFeed",
    )

    reported = await step(REPORT, who["resident"], **await report_input(photos=[jpeg(), png()]))
    assert reported["errors"] == []
    issue = reported["civicIssue"]
    assert issue["status"] == "REPORTED" and issue["dispatchCenter"]["name"] == "惠城区调度中心"
    assert [p["phase"] for p in issue["photos"]] == ["REPORT", "REPORT"]
    assert issue["photos"][0]["url"].startswith("/media/civic/")
    follower = await watch(UPDATED, {"id": issue["id"]}, who["resident"], hub, "civicIssueUpdated")

    for document, principal, extra in (
        (FILE, staff, {}),
        (DISPATCH, staff, {}),
        (START, staff, {}),
        (RECTIFY, staff, {"photos": [jpeg(color=(0, 200, 0))]}),
        (VERIFY, who["resident"], {"note": "clean now"}),
    ):
        done = await step(document, principal, issue=issue["id"], **extra)
        assert done["errors"] == [], document
    assert done["civicIssue"]["status"] == "VERIFIED"
    assert [p["phase"] for p in done["civicIssue"]["photos"]] == ["REPORT", "REPORT", "AFTER"]

    statuses = ["REPORTED", "FILED", "DISPATCHED", "RECTIFYING", "RECTIFIED", "VERIFIED"]
    seen = await wall.until(6)
    assert [e["issueStatus"] for e in seen] == statuses
    assert seen[-1]["eventType"] == "CIVIC_ISSUE_VERIFIED"
    assert seen[-1]["previousIssueStatus"] == "RECTIFIED"
    assert seen[-1]["civicIssue"] == {"status": "VERIFIED"}
    assert [e["issueStatus"] for e in await area.until(6)] == statuses
    assert [e["issueStatus"] for e in await follower.until(5)] == statuses[1:]
    timeline = (await data_of(ISSUE, {"id": issue["id"]}, staff))["civicIssue"]["timeline"]
    assert [t["action"] for t in timeline] == [
        "REPORT",
        "FILE",
        "DISPATCH",
        "START_RECTIFICATION",
        "RECTIFY",
        "VERIFY",
    ]
    assert timeline[-1]["byReporter"] and timeline[1]["actorName"] == "dispatcher1"


async def test_the_reopen_path_through_graphql(who: dict[str, Any], hub: EventHub) -> None:
    staff = who["dispatcher"]
    center = who["centers"]["district"]
    wall = await watch(
        WALL, {"center": gid("DispatchCenter", center.id)}, staff, hub, "dispatchFeed"
    )
    issue = (await step(REPORT, who["resident"], **await report_input()))["civicIssue"]
    for document in (FILE, DISPATCH, START):
        await step(document, staff, issue=issue["id"])
    no_photo = await step(RECTIFY, staff, issue=issue["id"])
    assert no_photo["errors"] == [{"code": "AFTER_PHOTO_REQUIRED", "field": "photos"}]
    await step(RECTIFY, staff, issue=issue["id"], photos=[jpeg()])

    reopened = await step(REOPEN, who["supervisor"], issue=issue["id"], reason="still there")
    assert reopened["civicIssue"]["status"] == "DISPATCHED"
    assert reopened["civicIssue"]["reopenCount"] == 1
    await step(START, staff, issue=issue["id"])
    again = await step(RECTIFY, staff, issue=issue["id"], photos=[jpeg()])
    assert again["civicIssue"]["status"] == "RECTIFIED"
    verified = await step(VERIFY, who["supervisor"], issue=issue["id"])
    assert verified["civicIssue"]["status"] == "VERIFIED"

    seen = await wall.until(9)
    assert [e["eventType"] for e in seen] == [
        "CIVIC_ISSUE_REPORTED",
        "CIVIC_ISSUE_FILED",
        "CIVIC_ISSUE_DISPATCHED",
        "CIVIC_ISSUE_RECTIFICATION_STARTED",
        "CIVIC_ISSUE_RECTIFIED",
        "CIVIC_ISSUE_REOPENED",
        "CIVIC_ISSUE_RECTIFICATION_STARTED",
        "CIVIC_ISSUE_RECTIFIED",
        "CIVIC_ISSUE_VERIFIED",
    ]
    assert seen[5]["note"] == "still there" and seen[5]["issueStatus"] == "DISPATCHED"


async def test_the_public_sees_a_masked_reporter_and_never_an_anonymous_one(
    who: dict[str, Any],
) -> None:
    named = (await step(REPORT, who["resident"], **await report_input()))["civicIssue"]
    hidden = (
        await step(
            REPORT,
            who["resident"],
            **await report_input(anonymous=True, contactPhone="13912345678"),
        )
    )["civicIssue"]

    def seen_by(principal: Principal, issue: dict[str, Any]) -> Any:
        return data_of(ISSUE, {"id": issue["id"]}, principal)

    public = (await seen_by(ANONYMOUS, named))["civicIssue"]
    assert public["reporter"] == {"name": "r********", "isYou": False}
    assert public["contact"] is None
    for principal in (ANONYMOUS, who["other"], who["supervisor"]):
        other = (await seen_by(principal, hidden))["civicIssue"]
        assert other["reporter"] is None and other["contact"] is None
        assert all(not t["byReporter"] or t["actorName"] is None for t in other["timeline"])
    mine = (await seen_by(who["resident"], hidden))["civicIssue"]
    assert mine["reporter"] == {"name": "resident1", "isYou": True}
    assert mine["contact"]["phone"] == "13912345678"
    staff = (await seen_by(who["dispatcher"], hidden))["civicIssue"]
    assert staff["reporter"] == {"name": "resident1", "isYou": False}


async def test_bad_photos_are_coded_per_file_and_nothing_is_stored(who: dict[str, Any]) -> None:
    result = await step(
        REPORT,
        who["resident"],
        **await report_input(photos=[jpeg(), b"plain text, not a photo", b""]),
    )

    assert result == {
        "civicIssue": None,
        "errors": [
            {"code": "UNSUPPORTED_IMAGE", "field": "photos.1"},
            {"code": "EMPTY_FILE", "field": "photos.2"},
        ],
    }
    assert await CivicIssue.all().count() == 0 and await CivicPhoto.all().count() == 0


async def test_access_errors_are_top_level(who: dict[str, Any]) -> None:
    issue = await report(who["resident"])
    anonymous = await gql(REPORT, {"input": await report_input()})
    assert error_codes(anonymous) == ["NOT_AUTHENTICATED"]
    for document in (FILE, DISPATCH, START, RECTIFY):
        refused = await gql(
            document, {"input": {"issue": gid("CivicIssue", issue.id)}}, who["resident"]
        )
        assert error_codes(refused) == ["NOT_PERMITTED"], document
    wrong = await step(FILE, who["dispatcher"], issue=gid("District", 1))
    assert wrong["errors"] == [{"code": "ISSUE_NOT_FOUND", "field": "issue"}]
    stranger = await gql(
        VERIFY, {"input": {"issue": gid("CivicIssue", issue.id)}}, who["volunteer"]
    )
    assert error_codes(stranger) == ["NOT_PERMITTED"]


async def test_reject_duplicate_close_and_more_photos(who: dict[str, Any]) -> None:
    staff = who["dispatcher"]
    first, second, third = [await report(who["resident"]) for _ in range(3)]
    rejected = await step(REJECT, staff, issue=gid("CivicIssue", first.id), reason="private land")
    assert rejected["civicIssue"]["status"] == "NOT_FILED"
    duplicate = await step(
        DUPLICATE, staff, issue=gid("CivicIssue", second.id), original=gid("CivicIssue", third.id)
    )
    assert duplicate["civicIssue"]["status"] == "DUPLICATE"
    missing = await step(
        DUPLICATE, staff, issue=gid("CivicIssue", third.id), original=gid("CivicIssue", 9999)
    )
    assert missing["errors"] == [{"code": "ORIGINAL_NOT_FOUND", "field": "original"}]
    await step(FILE, staff, issue=gid("CivicIssue", third.id))
    more = await step(
        ADD_PHOTOS, who["resident"], issue=gid("CivicIssue", third.id), photos=[png()]
    )
    assert [p["phase"] for p in more["civicIssue"]["photos"]] == ["REPORT", "UPDATE"]
    closed = await step(CLOSE, staff, issue=gid("CivicIssue", third.id), reason="no owner found")
    assert closed["civicIssue"]["status"] == "CLOSED_UNRESOLVED"
    late = await step(
        ADD_PHOTOS, who["resident"], issue=gid("CivicIssue", third.id), photos=[png()]
    )
    assert late["errors"] == [{"code": "ILLEGAL_TRANSITION", "field": None}]


async def test_similar_issues_and_the_catalogue(who: dict[str, Any]) -> None:
    categories = (await data_of(CATEGORIES))["civicCategories"]
    assert len(categories) >= 10 and categories[0]["code"] == "ILLEGAL_PARKING"
    littering = next(c for c in categories if c["code"] == "LITTERING")
    near = await report(who["resident"], lat=23.0839, lng=114.3828)
    await report(who["resident"], lat=23.0839, lng=114.3828, category_code="NOISE")

    found = (
        await data_of(SIMILAR, {"lat": 23.0837, "lng": 114.3828, "category": littering["id"]})
    )["similarIssues"]

    assert [f["issue"]["token"] for f in found] == [near.token]
    assert 20 < found[0]["distanceMeters"] < 25


async def test_filters_and_mine(who: dict[str, Any]) -> None:
    mine = await report(who["resident"])
    await report(who["other"], category_code="NOISE")
    noise = await CivicCategory.get(code="NOISE")

    only_mine = await data_of(LIST, {"first": 10, "filter": {"mine": True}}, who["resident"])
    assert [n["token"] for n in only_mine["civicIssues"]["nodes"]] == [mine.token]
    by_category = await data_of(
        LIST, {"first": 10, "filter": {"category": gid("CivicCategory", noise.id)}}
    )
    assert by_category["civicIssues"]["totalCount"] == 1
    anonymous_mine = await gql(LIST, {"first": 10, "filter": {"mine": True}})
    assert error_codes(anonymous_mine) == ["NOT_AUTHENTICATED"]
    by_status = await data_of(LIST, {"first": 10, "filter": {"status": ["FILED"]}})
    assert by_status["civicIssues"]["totalCount"] == 0


async def _many_issues(who: dict[str, Any], count: int) -> None:
    """Issues with a photo, a timeline of two steps and a duplicate link, written directly."""
    original = await report(who["resident"])
    category = await CivicCategory.get(code="LITTERING")
    now = datetime.now(UTC)
    for index in range(count - 1):
        issue = await CivicIssue.create(
            token=f"T{index:011d}",
            reporter_id=who["resident"].user_id if index % 2 else who["other"].user_id,
            category_id=category.id,
            description="Rubbish",
            lat=23.08,
            lng=114.38,
            address="somewhere",
            district_id=original.district_id,
            community_id=original.community_id,
            dispatch_center_id=original.dispatch_center_id,
            status=CivicStatus.DUPLICATE,
            duplicate_of_id=original.id,
            reported_at=now,
            updated_at=now,
        )
        await CivicPhoto.create(
            issue_id=issue.id,
            phase=PhotoPhase.REPORT,
            storage_key=f"civic/x/{index}.jpg",
            thumbnail_key=f"civic/x/{index}-thumb.jpg",
            content_type="image/jpeg",
            width=1,
            height=1,
            size=1,
            sha256="0" * 64,
            created_at=now,
        )
        for action, status in (
            (CivicAction.REPORT, CivicStatus.REPORTED),
            (CivicAction.MARK_DUPLICATE, CivicStatus.DUPLICATE),
        ):
            await CivicIssueTransition.create(
                issue_id=issue.id,
                action=action,
                to_status=status,
                actor_id=who["dispatcher"].user_id,
                at=now,
            )


async def test_the_statement_count_does_not_grow_with_the_page(who: dict[str, Any]) -> None:
    await _many_issues(who, 101)
    counts = []
    for principal in (who["dispatcher"], ANONYMOUS):
        for first in (1, 100):
            with count_statements() as counter:
                data = await data_of(
                    LIST, {"first": first, "filter": {"status": ["DUPLICATE"]}}, principal
                )
            assert len(data["civicIssues"]["nodes"]) == first
            counts.append(len(counter.statements))
    assert counts[0] == counts[1] and counts[2] == counts[3], counts


async def test_supervisors_filed_reports_are_counted_in_their_record(who: dict[str, Any]) -> None:
    for _ in range(2):
        issue = await report(who["supervisor"])
        await step(FILE, who["dispatcher"], issue=gid("CivicIssue", issue.id))
    await report(who["supervisor"])  # not filed yet: no credit

    with count_statements() as counter:
        volunteers = (await data_of(SUPERVISORS, principal=who["dispatcher"]))["volunteers"]
    assert sorted(v["civicReportsFiled"] for v in volunteers["nodes"]) == [0, 2]
    assert len(counter.statements) <= 4


NODE = """query ($id: ID!) { node(id: $id) { id ... on CivicIssue { token status } } }"""


async def test_issues_and_categories_are_nodes(who: dict[str, Any]) -> None:
    issue = await report(who["resident"])
    category = await CivicCategory.get(code="LITTERING")

    found = (await data_of(NODE, {"id": gid("CivicIssue", issue.id)}))["node"]
    assert found == {"id": gid("CivicIssue", issue.id), "token": issue.token, "status": "REPORTED"}
    assert (await data_of(NODE, {"id": gid("CivicCategory", category.id)}))["node"] is not None
    assert (await data_of(NODE, {"id": gid("CivicIssue", 999)}))["node"] is None


SIMILAR_DEEP = """query ($lat: Float!, $lng: Float!, $category: ID!) {
  similarIssues(lat: $lat, lng: $lng, category: $category) {
    issue { token category { code } district { name } photos { url } reporter { name } }
  }
}"""


async def test_similar_issues_cost_the_same_statements_for_one_or_many(
    who: dict[str, Any],
) -> None:
    category = await CivicCategory.get(code="LITTERING")
    variables = {"lat": 23.0837, "lng": 114.3828, "category": gid("CivicCategory", category.id)}
    await report(who["resident"])
    with count_statements() as one:
        found = (await data_of(SIMILAR_DEEP, variables))["similarIssues"]
    assert len(found) == 1
    for index in range(9):
        await report(who["resident"] if index % 2 else who["other"], photos=[("a.png", png())])
    with count_statements() as many:
        found = (await data_of(SIMILAR_DEEP, variables))["similarIssues"]
    assert len(found) == 10
    assert len(one.statements) == len(many.statements)
