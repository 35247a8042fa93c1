"""The activities' rules, called directly: sessions from a weekly rule, sign-up with its
waiting list and promotion, every refusal coded, no double-booking with orders (either way),
the organiser's decisions, publication approval, and the training school's certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.accounts import Role
from models.activities import (
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Qualification,
    SignUp,
    SignUpMethod,
    SignUpStatus,
)
from models.events import Event
from models.volunteers import Skill
from services.activities import catalogue, sign_ups, training
from services.activities.errors import ActivityErrorCode
from services.activities.sign_ups import Decision
from services.common.errors import DomainError, NotPermitted
from services.dispatch import assignments
from services.dispatch.errors import DispatchErrorCode
from settings import get_settings
from tests.activities.support import (
    first_position,
    first_session,
    new_activity,
    organiser,
    published,
    volunteers,
)
from tests.dispatch.support import huicheng_order, make_centers
from tests.support import make_user, make_volunteer, new_id_number

SHANGHAI = ZoneInfo("Asia/Shanghai")


def code_of(error: DomainError) -> ActivityErrorCode:
    code = error.problems[0].code
    assert isinstance(code, ActivityErrorCode)
    return code


async def refused(call: object) -> ActivityErrorCode:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    return code_of(caught.value)


async def test_a_weekend_rule_becomes_one_session_per_saturday_and_sunday() -> None:
    admin, organization = await organiser()
    today = datetime.now(SHANGHAI).date()
    recurrence = catalogue.Recurrence(
        weekdays=["SA", "SU"],
        start_time=time(9, 0),
        end_time=time(11, 30),
        start_date=today + timedelta(days=1),
        until=today + timedelta(days=28),
    )
    activity = await catalogue.create_activity(
        admin, new_activity(organization, sessions=[], recurrence=recurrence)
    )
    sessions = await ActivitySession.filter(activity_id=activity.id).order_by("starts_at")
    local = [s.starts_at.astimezone(SHANGHAI) for s in sessions]
    assert 7 <= len(sessions) <= 9
    assert {d.weekday() for d in local} == {5, 6}
    assert {(d.hour, d.minute) for d in local} == {(9, 0)}
    assert {(s.ends_at - s.starts_at) for s in sessions} == {timedelta(hours=2, minutes=30)}
    assert activity.recurrence.startswith("FREQ=WEEKLY;BYDAY=SA,SU;UNTIL=")
    assert activity.status == ActivityStatus.DRAFT
    assert {s.openings for s in sessions} == {2}


async def test_a_bad_activity_gets_every_problem_coded_and_writes_nothing() -> None:
    admin, organization = await organiser()
    start = datetime.now(UTC) + timedelta(days=1)
    data = new_activity(
        organization,
        title="x",
        lat=10.0,
        positions=[catalogue.NewPosition(name="", quota=0)],
        sessions=[(start, start - timedelta(hours=1))],
        min_age=120,
    )
    with pytest.raises(DomainError) as caught:
        await catalogue.create_activity(admin, data)
    codes = {p.code for p in caught.value.problems}
    assert {
        ActivityErrorCode.INVALID_TITLE,
        ActivityErrorCode.INVALID_LOCATION,
        ActivityErrorCode.INVALID_POSITION,
        ActivityErrorCode.INVALID_SESSION,
        ActivityErrorCode.INVALID_AGE,
    } <= codes
    assert await ActivitySession.all().count() == 0


async def test_too_many_sessions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings().replace(activity_max_sessions=3)
    monkeypatch.setattr(catalogue, "get_settings", lambda: settings)
    admin, organization = await organiser()
    today = date.today()
    recurrence = catalogue.Recurrence(
        ["SA", "SU"], time(9), time(11), today + timedelta(days=1), today + timedelta(days=60)
    )
    code = await refused(
        catalogue.create_activity(admin, new_activity(organization, recurrence=recurrence))
    )
    assert code == ActivityErrorCode.TOO_MANY_SESSIONS


async def test_only_the_organisations_admins_create_and_publish() -> None:
    admin, organization = await organiser()
    _, stranger, _ = await make_volunteer("stranger")
    with pytest.raises(NotPermitted):
        await catalogue.create_activity(stranger, new_activity(organization))
    activity = await catalogue.create_activity(admin, new_activity(organization))
    with pytest.raises(NotPermitted):
        await catalogue.publish(stranger, activity.id)


async def test_full_goes_to_the_waiting_list_and_a_cancellation_promotes_the_first() -> None:
    admin, organization = await organiser()
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    people = await volunteers(4)
    rows = [await sign_ups.sign_up(p, session.id, position.id) for p in people]
    assert [r.status for r in rows] == [
        SignUpStatus.CONFIRMED,
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
        SignUpStatus.WAITLISTED,
    ]
    assert (await ActivitySession.get(id=session.id)).openings == 0
    await sign_ups.cancel_own(people[0], rows[0].id)
    statuses = [s.status for s in await SignUp.filter(session_id=session.id).order_by("id")]
    assert statuses == [
        SignUpStatus.CANCELLED,
        SignUpStatus.CONFIRMED,
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
    ]
    assert (await ActivitySession.get(id=session.id)).openings == 0
    promoted = await Event.filter(type="SIGN_UP_PROMOTED").values_list("payload", flat=True)
    assert [p["signUpId"] for p in promoted] == [rows[2].id]  # type: ignore[index]


async def test_each_refusal_is_coded() -> None:
    admin, organization = await organiser()
    start = datetime.now(UTC) + timedelta(hours=3)
    activity = await published(
        admin,
        organization,
        min_age=18,
        signup_deadline_minutes=24 * 60,
        sessions=[(start, start + timedelta(hours=2))],
        positions=[
            catalogue.NewPosition(name="急救员", quota=1, required_qualifications=[Skill.FIRST_AID])
        ],
    )
    session, position = await first_session(activity), await first_position(activity)
    _, adult, _ = await make_volunteer("adult", id_number=new_id_number("1990-01-01"))
    assert await refused(sign_ups.sign_up(adult, session.id, position.id)) == (
        ActivityErrorCode.DEADLINE_PASSED
    )
    later = await published(
        admin,
        organization,
        min_age=18,
        positions=[
            catalogue.NewPosition(name="急救员", quota=1, required_qualifications=[Skill.FIRST_AID])
        ],
    )
    session, position = await first_session(later), await first_position(later)
    _, child, _ = await make_volunteer("child", id_number=new_id_number("2015-06-01"))
    assert await refused(sign_ups.sign_up(child, session.id, position.id)) == (
        ActivityErrorCode.TOO_YOUNG
    )
    assert await refused(sign_ups.sign_up(adult, session.id, position.id)) == (
        ActivityErrorCode.NOT_QUALIFIED
    )
    _, resident = await make_user("resident")
    assert await refused(sign_ups.sign_up(resident, session.id, position.id)) == (
        ActivityErrorCode.NOT_A_VOLUNTEER
    )
    draft = await catalogue.create_activity(admin, new_activity(organization))
    assert (
        await refused(
            sign_ups.sign_up(
                adult, (await first_session(draft)).id, (await first_position(draft)).id
            )
        )
        == ActivityErrorCode.NOT_OPEN
    )
    assert await refused(sign_ups.sign_up(adult, session.id, 0)) == (
        ActivityErrorCode.POSITION_NOT_FOUND
    )
    assert await SignUp.all().count() == 0


async def test_signing_up_twice_is_refused() -> None:
    admin, organization = await organiser()
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    (person,) = await volunteers(1)
    await sign_ups.sign_up(person, session.id, position.id)
    assert await refused(sign_ups.sign_up(person, session.id, position.id)) == (
        ActivityErrorCode.ALREADY_SIGNED_UP
    )


async def test_no_double_booking_across_activities_and_orders() -> None:
    admin, organization = await organiser()
    _, dispatcher = await make_user("dispatcher", Role.DISPATCHER)
    _, resident = await make_user("resident", Role.RESIDENT)
    _, person, volunteer_id = await make_volunteer("busy")
    await make_centers()
    # An order the volunteer serves from 2 h to 4 h from now …
    order_id = await huicheng_order(resident, hours_from_now=2, length=2)
    await assignments.assign(dispatcher, order_id, [volunteer_id])
    start = datetime.now(UTC) + timedelta(hours=3)
    clash = await published(admin, organization, sessions=[(start, start + timedelta(hours=2))])
    session, position = await first_session(clash), await first_position(clash)
    # … so an activity at 3 h overlaps it,
    assert await refused(sign_ups.sign_up(person, session.id, position.id)) == (
        ActivityErrorCode.OVERLAPS
    )
    # and a confirmed sign-up blocks a later order in its window.
    start = datetime.now(UTC) + timedelta(hours=10)
    free = await published(admin, organization, sessions=[(start, start + timedelta(hours=2))])
    await sign_ups.sign_up(person, (await first_session(free)).id, (await first_position(free)).id)
    other = await huicheng_order(resident, hours_from_now=10.5, length=1)
    with pytest.raises(DomainError) as caught:
        await assignments.assign(dispatcher, other, [volunteer_id])
    assert caught.value.problems[0].code == DispatchErrorCode.VOLUNTEER_BUSY


async def test_self_cancellation_closes_before_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings().replace(activity_cancel_cutoff_minutes=6 * 60)
    monkeypatch.setattr(sign_ups, "get_settings", lambda: settings)
    admin, organization = await organiser()
    start = datetime.now(UTC) + timedelta(hours=3)
    activity = await published(admin, organization, sessions=[(start, start + timedelta(hours=1))])
    session, position = await first_session(activity), await first_position(activity)
    (person,) = await volunteers(1)
    row = await sign_ups.sign_up(person, session.id, position.id)
    assert await refused(sign_ups.cancel_own(person, row.id)) == (
        ActivityErrorCode.TOO_LATE_TO_CANCEL
    )
    (other,) = await volunteers(1, "other")
    assert await refused(sign_ups.cancel_own(other, row.id)) == ActivityErrorCode.NOT_YOUR_SIGN_UP


async def test_approval_method_the_organiser_approves_rejects_and_removes() -> None:
    admin, organization = await organiser()
    activity = await published(
        admin,
        organization,
        signup_method=SignUpMethod.APPROVAL,
        positions=[catalogue.NewPosition(name="讲解员", quota=1)],
    )
    session, position = await first_session(activity), await first_position(activity)
    a, b, c = await volunteers(3)
    rows = [await sign_ups.sign_up(p, session.id, position.id) for p in (a, b, c)]
    assert {r.status for r in rows} == {SignUpStatus.PENDING}
    with pytest.raises(NotPermitted):
        await sign_ups.decide(b, rows[0].id, Decision.APPROVE)
    assert (await sign_ups.decide(admin, rows[0].id, Decision.APPROVE)).status == (
        SignUpStatus.CONFIRMED
    )
    # Approved when full: the waiting list, promoted when a place frees.
    assert (await sign_ups.decide(admin, rows[1].id, Decision.APPROVE)).status == (
        SignUpStatus.WAITLISTED
    )
    assert (await sign_ups.decide(admin, rows[2].id, Decision.REJECT, "名额已满")).status == (
        SignUpStatus.REJECTED
    )
    assert (await sign_ups.decide(admin, rows[0].id, Decision.REMOVE)).status == (
        SignUpStatus.REMOVED
    )
    assert (await SignUp.get(id=rows[1].id)).status == SignUpStatus.CONFIRMED
    assert await refused(sign_ups.decide(admin, rows[2].id, Decision.APPROVE)) == (
        ActivityErrorCode.ILLEGAL_TRANSITION
    )


async def test_publishing_can_wait_for_the_district(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings().replace(activity_publish_needs_approval=True)
    monkeypatch.setattr(catalogue, "get_settings", lambda: settings)
    admin, organization = await organiser()
    _, dispatcher = await make_user("district", Role.DISPATCHER)
    activity = await catalogue.create_activity(admin, new_activity(organization))
    assert (await catalogue.publish(admin, activity.id)).status == ActivityStatus.PENDING_APPROVAL
    with pytest.raises(NotPermitted):
        await catalogue.approve(admin, activity.id, True)
    assert (await catalogue.approve(dispatcher, activity.id, True)).status == (
        ActivityStatus.PUBLISHED
    )


async def test_cancelling_an_activity_cancels_its_sign_ups() -> None:
    admin, organization = await organiser()
    activity = await published(admin, organization)
    session, position = await first_session(activity), await first_position(activity)
    people = await volunteers(3)
    for p in people:
        await sign_ups.sign_up(p, session.id, position.id)
    await catalogue.cancel(admin, activity.id)
    assert {s.status for s in await SignUp.all()} == {SignUpStatus.CANCELLED}
    assert await refused(catalogue.close(admin, activity.id)) == (
        ActivityErrorCode.ILLEGAL_TRANSITION
    )


async def test_a_passed_training_certifies_and_the_position_then_accepts() -> None:
    admin, organization = await organiser()
    start = datetime.now(UTC) + timedelta(minutes=1)
    course = await published(
        admin,
        organization,
        kind=ActivityKind.TRAINING,
        title="红十字救护员培训",
        grants_qualification=Skill.FIRST_AID,
        qualification_valid_days=3 * 365,
        sessions=[(start, start + timedelta(hours=4))],
    )
    clinic = await published(
        admin,
        organization,
        positions=[
            catalogue.NewPosition(name="急救员", quota=1, required_qualifications=[Skill.FIRST_AID])
        ],
    )
    (person,) = await volunteers(1)
    session, position = await first_session(clinic), await first_position(clinic)
    assert await refused(sign_ups.sign_up(person, session.id, position.id)) == (
        ActivityErrorCode.NOT_QUALIFIED
    )
    seat = await sign_ups.sign_up(
        person, (await first_session(course)).id, (await first_position(course)).id
    )
    assert await refused(training.record_result(admin, seat.id, True)) == (
        ActivityErrorCode.SESSION_NOT_STARTED
    )
    # The course has begun.
    await SignUp.filter(id=seat.id).update(starts_at=datetime.now(UTC) - timedelta(minutes=5))
    (other,) = await volunteers(1, "trainer-impostor")
    with pytest.raises(NotPermitted):
        await training.record_result(other, seat.id, True)
    # No pass without attendance; the participant then checks in (on site, as a session's).
    assert await refused(training.record_result(admin, seat.id, True)) == (
        ActivityErrorCode.NOT_ATTENDED
    )
    await SignUp.filter(id=seat.id).update(checked_in_at=datetime.now(UTC))
    marked, granted = await training.record_result(admin, seat.id, True)
    assert marked.passed is True and granted is not None
    assert granted.skill == Skill.FIRST_AID
    assert granted.expires_at - granted.granted_at == timedelta(days=3 * 365)
    assert await refused(training.record_result(admin, seat.id, True)) == (
        ActivityErrorCode.NOT_CONFIRMED
    )
    assert await Qualification.all().count() == 1
    row = await sign_ups.sign_up(person, session.id, position.id)
    assert row.status == SignUpStatus.CONFIRMED
    assert await refused(training.record_result(admin, row.id, True)) == (
        ActivityErrorCode.NOT_A_TRAINING
    )


async def test_the_demo_has_weekend_activities_trainings_and_sign_ups_once() -> None:
    import demo as demo_data
    from demo.activities import seed_activities
    from models.activities import Activity

    await demo_data.seed(demo_data.Scale("test", volunteers=250, organizations=20))
    weekend = await Activity.filter(kind=ActivityKind.SERVICE, recurrence__startswith="FREQ=WEEKLY")
    assert len(weekend) >= 5 and all(a.station_id for a in weekend)
    assert await Activity.filter(kind=ActivityKind.TRAINING).count() == 1
    assert await SignUp.filter(status=SignUpStatus.CONFIRMED).count() > 200
    assert await SignUp.filter(status=SignUpStatus.WAITLISTED).exists()
    assert await Qualification.filter(skill=Skill.FIRST_AID).count() == 21
    # No volunteer holds two confirmed places at the same time.
    rows = await SignUp.filter(status=SignUpStatus.CONFIRMED).values_list(
        "volunteer_id", "starts_at"
    )
    assert len(rows) == len(set(rows))
    assert await seed_activities() == 0
