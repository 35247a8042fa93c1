"""Issue 14's first "Done means", end to end through GraphQL: an organisation publishes a
weekend clinic, volunteers find it near them and sign up (one waitlisted, then promoted), the
promoted volunteer checks in on site with the rotating code and checks out, the organiser
confirms the queue in bulk, hours and the time-bank balance rise and `cityStatistics` moves;
a trainer certifies first aid (the learner checked in to the course) and a position requiring
it accepts the newly qualified volunteer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from strawberry import relay

from models.activities import ActivitySession, SignUp
from services.common.principal import Principal
from tests.activities.support import CLINIC_LAT, CLINIC_LNG, organiser, volunteers
from tests.activities.test_schema import (
    CANCEL_SIGN_UP,
    CREATE,
    NEAR,
    PUBLISH,
    RESULT,
    SIGN_UP,
    clinic_input,
)
from tests.dispatch.test_record_queue import refreshed
from tests.support import data_of

CODE = """query ($session: ID!) {
  sessionAttendanceCode(session: $session) { code validUntil qrSvg }
}"""
CHECK_IN = """mutation ($input: SessionAttendanceInput!) {
  checkInToSession(input: $input) { signUp { id checkedInAt } errors { code } }
}"""
CHECK_OUT = """mutation ($input: SessionAttendanceInput!) {
  checkOutOfSession(input: $input) { record { id status hours flags signUpId } errors { code } }
}"""
QUEUE = """{ pendingServiceRecords { edges { node { id hours flags } } } }"""
CONFIRM = """mutation ($records: [ID!]!) {
  confirmServiceRecords(input: {records: $records}) {
    confirmed { id status } refused { record error { code } } errors { code }
  }
}"""
ME = "{ myVolunteer { totalHours } myTimeAccount { balance } }"
STATISTICS = "{ cityStatistics { participatingVolunteers confirmedHours } }"
ON_SITE = {"lat": CLINIC_LAT + 0.0005, "lng": CLINIC_LNG}


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def session_under_way(session_id: str, started_minutes_ago: int = 60) -> None:
    """Time passes: the session signed up for days ahead began a while ago."""
    start = datetime.now(UTC) - timedelta(minutes=started_minutes_ago)
    end = start + timedelta(hours=2, minutes=30)
    await ActivitySession.filter(id=pk(session_id)).update(starts_at=start, ends_at=end)
    await SignUp.filter(session_id=pk(session_id)).update(starts_at=start, ends_at=end)


async def attend(volunteer: Principal, admin: Principal, session: str, seat: str) -> dict[str, Any]:
    """On site: the organiser's phone shows the code, the volunteer scans it on arrival (at the
    session's start) and again when leaving, now."""
    shown = (await data_of(CODE, {"session": session}, admin))["sessionAttendanceCode"]
    assert shown["qrSvg"].startswith("<svg")
    proof = {"signUp": seat, "code": shown["code"], "location": ON_SITE}
    checked = (await data_of(CHECK_IN, {"input": proof}, volunteer))["checkInToSession"]
    assert checked["errors"] == [] and checked["signUp"]["checkedInAt"]
    start = await ActivitySession.get(id=pk(session))
    await SignUp.filter(id=pk(seat)).update(checked_in_at=start.starts_at)
    out = (await data_of(CHECK_OUT, {"input": proof}, volunteer))["checkOutOfSession"]
    assert out["errors"] == [], out
    record: dict[str, Any] = out["record"]
    return record


async def test_a_weekend_clinic_from_publication_to_confirmed_hours_and_statistics() -> None:
    admin, organization = await organiser()
    admin = await refreshed(admin)
    # Given a weekend clinic, published,
    created = (await data_of(CREATE, {"input": clinic_input(organization)}, admin))[
        "createActivity"
    ]
    activity = created["activity"]
    await data_of(PUBLISH, {"id": activity["id"]}, admin)
    # when two volunteers nearby find it and sign up for the one place of its first session,
    near = {"near": {"lat": CLINIC_LAT + 0.009, "lng": CLINIC_LNG, "withinKm": 2}}
    node = (await data_of(NEAR, {"filter": near}))["activities"]["edges"][0]["node"]
    session, position = node["sessions"][0]["id"], activity["positions"][0]["id"]
    first, second = await volunteers(2)
    seats = [
        (await data_of(SIGN_UP, {"session": session, "position": position}, p))[
            "signUpForActivity"
        ]["signUp"]
        for p in (first, second)
    ]
    assert [s["status"] for s in seats] == ["CONFIRMED", "WAITLISTED"]
    # and the first gives the place up, the second is promoted;
    await data_of(CANCEL_SIGN_UP, {"id": seats[0]["id"]}, first)
    assert (await SignUp.get(id=pk(seats[1]["id"]))).status == "CONFIRMED"
    before = (await data_of(STATISTICS))["cityStatistics"]
    # when the session comes and the promoted volunteer attends, proven on site,
    await session_under_way(session)
    record = await attend(second, admin, session, seats[1]["id"])
    assert record["status"] == "PENDING" and record["flags"] == []
    assert record["signUpId"] == seats[1]["id"]
    assert Decimal("0.99") <= Decimal(record["hours"]) <= Decimal("1.00")
    # the organiser finds it in the queue and confirms in bulk;
    queue = (await data_of(QUEUE, {}, admin))["pendingServiceRecords"]["edges"]
    assert [e["node"]["id"] for e in queue] == [record["id"]]
    done = (await data_of(CONFIRM, {"records": [record["id"]]}, admin))["confirmServiceRecords"]
    assert done["confirmed"] == [{"id": record["id"], "status": "CONFIRMED"}]
    # then the volunteer's hours and time-bank balance rise, and the city's statistics move.
    mine = await data_of(ME, {}, second)
    assert Decimal(str(mine["myVolunteer"]["totalHours"])) == Decimal(record["hours"])
    assert Decimal(mine["myTimeAccount"]["balance"]) == Decimal(record["hours"])
    after = (await data_of(STATISTICS))["cityStatistics"]
    assert after["participatingVolunteers"] == before["participatingVolunteers"] + 1
    moved = Decimal(str(after["confirmedHours"])) - Decimal(str(before["confirmedHours"]))
    assert moved == Decimal(record["hours"])
    # Confirming again counts nothing more.
    again = (await data_of(CONFIRM, {"records": [record["id"]]}, admin))["confirmServiceRecords"]
    assert again["refused"][0]["error"]["code"] == "RECORD_ALREADY_DECIDED"
    assert (await data_of(ME, {}, second))["myVolunteer"] == mine["myVolunteer"]


async def test_a_trainer_certifies_first_aid_after_attendance_and_a_guard_post_accepts() -> None:
    admin, organization = await organiser("trainer")
    admin = await refreshed(admin)
    start = datetime.now(UTC) + timedelta(days=1)
    course_input = clinic_input(
        organization,
        title="红十字救护员培训",
        kind="TRAINING",
        category="EMERGENCY_RESCUE",
        grantsQualification="FIRST_AID",
        qualificationValidDays=3 * 365,
        recurrence=None,
        sessions=[
            {"startsAt": start.isoformat(), "endsAt": (start + timedelta(hours=3)).isoformat()}
        ],
    )
    course = (await data_of(CREATE, {"input": course_input}, admin))["createActivity"]["activity"]
    await data_of(PUBLISH, {"id": course["id"]}, admin)
    guard_input = clinic_input(
        organization,
        positions=[{"name": "急救员", "quota": 1, "requiredQualifications": ["FIRST_AID"]}],
    )
    guard = (await data_of(CREATE, {"input": guard_input}, admin))["createActivity"]["activity"]
    await data_of(PUBLISH, {"id": guard["id"]}, admin)
    (learner,) = await volunteers(1, prefix="learner")
    post = {"session": guard["sessions"][0]["id"], "position": guard["positions"][0]["id"]}
    refused = (await data_of(SIGN_UP, post, learner))["signUpForActivity"]
    assert [e["code"] for e in refused["errors"]] == ["NOT_QUALIFIED"]
    course_session = course["sessions"][0]["id"]
    seat = (
        await data_of(
            SIGN_UP, {"session": course_session, "position": course["positions"][0]["id"]}, learner
        )
    )["signUpForActivity"]["signUp"]
    await session_under_way(course_session)
    await attend(learner, admin, course_session, seat["id"])
    marked = (await data_of(RESULT, {"id": seat["id"]}, admin))["recordTrainingResult"]
    assert marked["errors"] == [] and marked["qualification"]["skill"] == "FIRST_AID"
    accepted = (await data_of(SIGN_UP, post, learner))["signUpForActivity"]
    assert accepted["errors"] == [] and accepted["signUp"]["status"] == "CONFIRMED"
