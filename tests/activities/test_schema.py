"""Activities through GraphQL: an organisation publishes a weekend clinic, volunteers find it
near them and sign up (one waitlisted, then promoted), a trainer certifies first aid and a
position requiring it accepts the newly qualified volunteer; who may call each mutation; the
lists' statement counts; the live `activityUpdated` stream; the iCalendar feeds over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from strawberry.types import ExecutionResult

from api.app import create_app
from models.activities import Activity, SignUp
from schema.core.context import Context
from services.activities import sign_ups
from subscriptions import events
from subscriptions.hub import EventHub
from tests.activities.support import (
    CLINIC_LAT,
    CLINIC_LNG,
    first_position,
    first_session,
    gid,
    organiser,
    published,
    volunteers,
)
from tests.conftest import Backend
from tests.support import SCHEMA, count_statements, data_of, error_codes, gql, make_volunteer

CREATE = """
mutation Create($input: CreateActivityInput!) {
  createActivity(input: $input) {
    activity { id status recurrence positions { id name quota } sessions { id startsAt } }
    errors { code field message }
  }
}"""
PUBLISH = """
mutation Publish($id: ID!) {
  publishActivity(input: {activity: $id}) { activity { id status } errors { code } }
}"""
CLOSE = """
mutation Close($id: ID!) {
  closeActivity(input: {activity: $id}) { activity { status } errors { code } }
}"""
CANCEL_ACTIVITY = """
mutation CancelActivity($id: ID!) {
  cancelActivity(input: {activity: $id}) { activity { status } errors { code } }
}"""
DECIDE_ACTIVITY = """
mutation DecideActivity($id: ID!) {
  decideActivity(input: {activity: $id, approved: true}) { activity { status } errors { code } }
}"""
SIGN_UP = """
mutation SignUp($session: ID!, $position: ID!) {
  signUpForActivity(input: {session: $session, position: $position}) {
    signUp { id status } errors { code field message }
  }
}"""
CANCEL_SIGN_UP = """
mutation CancelSignUp($id: ID!) {
  cancelSignUp(input: {signUp: $id}) { signUp { status } errors { code } }
}"""
DECIDE_SIGN_UP = """
mutation DecideSignUp($id: ID!, $decision: SignUpDecision!) {
  decideSignUp(input: {signUp: $id, decision: $decision}) { signUp { status } errors { code } }
}"""
RESULT = """
mutation Result($id: ID!) {
  recordTrainingResult(input: {signUp: $id, passed: true}) {
    signUp { passed } qualification { skill valid expiresAt } errors { code }
  }
}"""
FEED = "mutation { issueCalendarFeed { path errors { code } } }"
NEAR = """
query Near($filter: ActivityFilter, $first: Int) {
  activities(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id title status openings signUpCount waitlistCount calendarPath
      organization { name } district { code } station { name }
      positions { name quota requiredQualifications }
      sessions(upcoming: true) { id startsAt openings places { confirmed waitlisted openings } }
    } }
  }
}"""
MINE = """
query Mine($first: Int) {
  mySignUps(first: $first) {
    totalCount
    edges { node { status session { startsAt } position { name } activity { title } } }
  }
}"""
QUALIFICATIONS = """
query Q($id: ID!) { node(id: $id) { ... on Volunteer { qualifications { skill valid } } } }"""


def clinic_input(organization: int, **overrides: Any) -> dict[str, Any]:
    today = date.today()
    values: dict[str, Any] = {
        "organization": gid("Organization", organization),
        "title": "好人驿站周末义诊",
        "category": "PUBLIC_HEALTH",
        "address": "惠城区江北文昌一路 8 号",
        "location": {"lat": CLINIC_LAT, "lng": CLINIC_LNG},
        "positions": [{"name": "导诊", "quota": 1}],
        "recurrence": {
            "weekdays": ["SA", "SU"],
            "startTime": "09:00:00",
            "endTime": "11:30:00",
            "startDate": str(today + timedelta(days=1)),
            "until": str(today + timedelta(days=21)),
        },
    }
    values.update(overrides)
    return values


async def test_a_weekend_clinic_is_published_found_nearby_and_filled_with_a_waiting_list() -> None:
    admin, organization = await organiser()
    # Given an organisation that publishes a weekend clinic,
    created = (await data_of(CREATE, {"input": clinic_input(organization)}, admin))[
        "createActivity"
    ]
    assert created["errors"] == [], created
    activity = created["activity"]
    assert activity["status"] == "DRAFT" and activity["recurrence"].startswith("FREQ=WEEKLY")
    published_ = await data_of(PUBLISH, {"id": activity["id"]}, admin)
    assert published_["publishActivity"]["activity"]["status"] == "PUBLISHED"

    # when volunteers look near them (1 km away) and sign up for the first session,
    near = {"near": {"lat": CLINIC_LAT + 0.009, "lng": CLINIC_LNG, "withinKm": 2}}
    found = (await data_of(NEAR, {"filter": near}))["activities"]
    assert found["totalCount"] == 1
    node = found["edges"][0]["node"]
    far = {"near": {"lat": CLINIC_LAT + 0.05, "lng": CLINIC_LNG, "withinKm": 2}}
    assert (await data_of(NEAR, {"filter": far}))["activities"]["totalCount"] == 0
    session, position = node["sessions"][0]["id"], activity["positions"][0]["id"]
    first, second = await volunteers(2)
    answers = [
        (await data_of(SIGN_UP, {"session": session, "position": position}, p))["signUpForActivity"]
        for p in (first, second)
    ]
    # then the first is confirmed, the second waitlisted (not an error),
    assert [a["signUp"]["status"] for a in answers] == ["CONFIRMED", "WAITLISTED"]
    assert [a["errors"] for a in answers] == [[], []]
    node = (await data_of(NEAR, {"filter": near}))["activities"]["edges"][0]["node"]
    assert node["signUpCount"] == 1 and node["waitlistCount"] == 1
    assert node["sessions"][0]["places"] == [{"confirmed": 1, "waitlisted": 1, "openings": 0}]
    # and when the first cancels, the second is promoted.
    cancelled = await data_of(CANCEL_SIGN_UP, {"id": answers[0]["signUp"]["id"]}, first)
    assert cancelled["cancelSignUp"]["signUp"]["status"] == "CANCELLED"
    mine = (await data_of(MINE, {}, second))["mySignUps"]
    assert [e["node"]["status"] for e in mine["edges"]] == ["CONFIRMED"]
    open_now = {"hasOpenings": True}
    remaining = (await data_of(NEAR, {"filter": open_now}))["activities"]["edges"][0]["node"]
    assert remaining["openings"] == len(remaining["sessions"]) - 1


async def test_a_trainer_certifies_first_aid_and_a_position_requiring_it_then_accepts() -> None:
    admin, organization = await organiser()
    start = datetime.now(UTC) + timedelta(minutes=2)
    course = (
        await data_of(
            CREATE,
            {
                "input": clinic_input(
                    organization,
                    title="红十字救护员培训",
                    kind="TRAINING",
                    category="EMERGENCY_RESCUE",
                    grantsQualification="FIRST_AID",
                    qualificationValidDays=3 * 365,
                    recurrence=None,
                    sessions=[
                        {
                            "startsAt": start.isoformat(),
                            "endsAt": (start + timedelta(hours=3)).isoformat(),
                        }
                    ],
                )
            },
            admin,
        )
    )["createActivity"]["activity"]
    await data_of(PUBLISH, {"id": course["id"]}, admin)
    guard = (
        await data_of(
            CREATE,
            {
                "input": clinic_input(
                    organization,
                    positions=[
                        {"name": "急救员", "quota": 1, "requiredQualifications": ["FIRST_AID"]}
                    ],
                )
            },
            admin,
        )
    )["createActivity"]["activity"]
    await data_of(PUBLISH, {"id": guard["id"]}, admin)
    _, volunteer, volunteer_id = await make_volunteer("learner")
    guard_session = {"session": guard["sessions"][0]["id"], "position": guard["positions"][0]["id"]}
    refused = (await data_of(SIGN_UP, guard_session, volunteer))["signUpForActivity"]
    assert [e["code"] for e in refused["errors"]] == ["NOT_QUALIFIED"]
    seat = (
        await data_of(
            SIGN_UP,
            {"session": course["sessions"][0]["id"], "position": course["positions"][0]["id"]},
            volunteer,
        )
    )["signUpForActivity"]["signUp"]
    # The course begins, and the learner checks in (tests/activities/test_weekend_clinic.py
    # does it with the code on site).
    await SignUp.filter(activity_id=int(_pk(course["id"]))).update(
        starts_at=datetime.now(UTC) - timedelta(minutes=1), checked_in_at=datetime.now(UTC)
    )
    marked = (await data_of(RESULT, {"id": seat["id"]}, admin))["recordTrainingResult"]
    assert marked["errors"] == [], marked
    assert marked["signUp"]["passed"] is True
    assert marked["qualification"]["skill"] == "FIRST_AID" and marked["qualification"]["valid"]
    shown = await data_of(QUALIFICATIONS, {"id": gid("Volunteer", volunteer_id)}, volunteer)
    assert shown["node"]["qualifications"] == [{"skill": "FIRST_AID", "valid": True}]
    accepted = (await data_of(SIGN_UP, guard_session, volunteer))["signUpForActivity"]
    assert accepted["errors"] == [] and accepted["signUp"]["status"] == "CONFIRMED"


def _pk(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id


async def test_each_mutation_refuses_the_anonymous_and_the_organisers_mutations_strangers() -> None:
    admin, organization = await organiser()
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    (member,) = await volunteers(1)
    row = await sign_ups.sign_up(member, session.id, position.id)
    _, stranger, _ = await make_volunteer("stranger")
    ids = {
        "activity": gid("Activity", activity.id),
        "signUp": gid("ActivitySignUp", row.id),
    }
    calls: list[tuple[str, dict[str, Any], bool]] = [
        (CREATE, {"input": clinic_input(organization)}, True),
        (PUBLISH, {"id": ids["activity"]}, True),
        (CLOSE, {"id": ids["activity"]}, True),
        (CANCEL_ACTIVITY, {"id": ids["activity"]}, True),
        (DECIDE_ACTIVITY, {"id": ids["activity"]}, True),
        (DECIDE_SIGN_UP, {"id": ids["signUp"], "decision": "REMOVE"}, True),
        (RESULT, {"id": ids["signUp"]}, True),
        (
            SIGN_UP,
            {
                "session": gid("ActivitySession", session.id),
                "position": gid("ActivityPosition", position.id),
            },
            False,
        ),
        (CANCEL_SIGN_UP, {"id": ids["signUp"]}, False),
        (FEED, {}, False),
    ]
    for document, variables, organisers_only in calls:
        anonymous = await gql(document, variables)
        assert error_codes(anonymous) == ["NOT_AUTHENTICATED"], document
        if organisers_only:
            assert error_codes(await gql(document, variables, stranger)) == ["NOT_PERMITTED"], (
                document
            )
    # A stranger cannot cancel someone else's sign-up either: a coded refusal.
    other = await data_of(CANCEL_SIGN_UP, {"id": ids["signUp"]}, stranger)
    assert [e["code"] for e in other["cancelSignUp"]["errors"]] == ["NOT_YOUR_SIGN_UP"]
    assert (await Activity.get(id=activity.id)).status.value == "PUBLISHED"


async def test_a_bad_filter_is_a_coded_top_level_error() -> None:
    result = await gql(NEAR, {"filter": {"near": {"lat": 1, "lng": 2, "withinKm": 500}}})
    assert error_codes(result) == ["INVALID_FILTER"]


async def test_the_activity_list_costs_the_same_statements_for_1_and_100_rows() -> None:
    admin, organization = await organiser()
    for i in range(100):
        start = datetime.now(UTC) + timedelta(days=1 + i)
        await published(admin, organization, sessions=[(start, start + timedelta(hours=2))])
    counts = []
    for first in (1, 100):
        with count_statements() as counter:
            data = await data_of(NEAR, {"first": first}, admin)
        assert len(data["activities"]["edges"]) == first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts


async def test_my_sign_ups_cost_the_same_statements_for_1_and_100_rows() -> None:
    admin, organization = await organiser()
    (person,) = await volunteers(1)
    for i in range(100):
        start = datetime.now(UTC) + timedelta(days=1 + i)
        activity = await published(
            admin, organization, sessions=[(start, start + timedelta(hours=2))]
        )
        session, position = await first_session(activity), await first_position(activity)
        await sign_ups.sign_up(person, session.id, position.id)
    counts = []
    for first in (1, 100):
        with count_statements() as counter:
            data = await data_of(MINE, {"first": first}, person)
        assert len(data["mySignUps"]["edges"]) == first
        counts.append(len(counter.statements))
    assert counts[0] == counts[1], counts


ACTIVITY_UPDATED = """
subscription Follow($id: ID!, $after: String) {
  activityUpdated(activity: $id, after: $after) {
    cursor type activity { signUpCount waitlistCount openings } session { openings }
  }
}"""


async def _next(stream: AsyncIterator[ExecutionResult]) -> dict[str, Any]:
    result = await asyncio.wait_for(anext(stream), 10)
    assert result.errors is None, result.errors
    assert result.data is not None
    event: dict[str, Any] = result.data["activityUpdated"]
    return event


async def test_activity_updated_pushes_counts_and_openings(hub: EventHub) -> None:
    admin, organization = await organiser()
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    after = events.encode_cursor(await events.latest_id())
    stream = await SCHEMA.subscribe(
        ACTIVITY_UPDATED,
        variable_values={"id": gid("Activity", activity.id), "after": after},
        context_value=Context(hub=hub),
    )
    assert not isinstance(stream, ExecutionResult)
    try:
        people = await volunteers(3)
        for p in people:
            await sign_ups.sign_up(p, session.id, position.id)
        got = [await _next(stream) for _ in range(3)]
        assert [g["type"] for g in got] == [
            "SIGN_UP_CONFIRMED",
            "SIGN_UP_CONFIRMED",
            "SIGN_UP_WAITLISTED",
        ]
        # Each event carries the activity as it is when delivered.
        assert got[-1]["activity"] == {"signUpCount": 2, "waitlistCount": 1, "openings": 0}
        assert got[-1]["session"] == {"openings": 0}
    finally:
        await stream.aclose()


async def test_a_draft_cannot_be_followed_by_strangers(hub: EventHub) -> None:
    from services.activities import catalogue
    from tests.activities.support import new_activity

    admin, organization = await organiser()
    draft = await catalogue.create_activity(admin, new_activity(organization))
    stream = await SCHEMA.subscribe(
        ACTIVITY_UPDATED,
        variable_values={"id": gid("Activity", draft.id)},
        context_value=Context(hub=hub),
    )
    first = await anext(stream) if hasattr(stream, "__anext__") else stream  # type: ignore[arg-type]
    assert first.errors and first.errors[0].extensions == {
        "code": "NOT_FOUND",
        "field": "Subscription.activityUpdated(activity:)",
    }


@pytest.fixture
async def http(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend.settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        yield client


async def test_calendar_feeds_for_an_activity_and_for_a_volunteer(
    http: httpx.AsyncClient,
) -> None:
    admin, organization = await organiser()
    created = (await data_of(CREATE, {"input": clinic_input(organization)}, admin))[
        "createActivity"
    ]["activity"]
    draft_path = f"/calendar/activities/{created['id']}.ics"
    assert (await http.get(draft_path)).status_code == 404
    await data_of(PUBLISH, {"id": created["id"]}, admin)
    response = await http.get(draft_path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    assert len(feed.walk("VEVENT")) == len(created["sessions"])
    (person,) = await volunteers(1)
    await data_of(
        SIGN_UP,
        {"session": created["sessions"][0]["id"], "position": created["positions"][0]["id"]},
        person,
    )
    path = (await data_of(FEED, {}, person))["issueCalendarFeed"]["path"]
    mine = await http.get(path)
    assert mine.status_code == 200 and "private" in mine.headers["cache-control"]
    (event,) = Calendar.from_ical(mine.content).walk("VEVENT")
    assert "CONFIRMED" in str(event["summary"])
    # Issuing a new feed revokes the old URL.
    await data_of(FEED, {}, person)
    assert (await http.get(path)).status_code == 404
    assert (await http.get("/calendar/activities/not-an-id.ics")).status_code == 404
