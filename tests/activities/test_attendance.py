"""Attendance at an activity's session: a confirmed volunteer checks in and out on site with
the rotating code or their position, every refusal coded and changing nothing; the check-out
files one PENDING record for the organisers, clipped to the session; the code is shown only
to the organisers and the hosting station."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.activities import Activity, ActivitySession, SignUp, SignUpStatus
from models.dispatch import RecordStatus, ServiceRecord
from models.stations import Station, StationKind
from services.activities import attendance, catalogue, sign_ups
from services.activities.errors import ActivityErrorCode
from services.common.errors import DomainError, NotPermitted
from services.common.presence import Proof, Subject, current_code
from tests.activities.support import (
    CLINIC_LAT,
    CLINIC_LNG,
    first_position,
    first_session,
    organiser,
    published,
    volunteers,
)
from tests.support import huicheng, make_organization, make_volunteer

ON_SITE = Proof(lat=CLINIC_LAT, lng=CLINIC_LNG)


async def refused(call: Any) -> ActivityErrorCode:
    with pytest.raises(DomainError) as caught:
        await call
    return ActivityErrorCode(caught.value.problems[0].code)


async def under_way(session: ActivitySession, started_minutes_ago: int = 60) -> ActivitySession:
    """Time passes: the session (signed up for in advance) began a while ago."""
    start = datetime.now(UTC) - timedelta(minutes=started_minutes_ago)
    end = start + timedelta(hours=2, minutes=30)
    await ActivitySession.filter(id=session.id).update(starts_at=start, ends_at=end)
    await SignUp.filter(session_id=session.id).update(starts_at=start, ends_at=end)
    return await ActivitySession.get(id=session.id)


async def clinic(quota: int = 1) -> dict[str, Any]:
    admin, organization = await organiser()
    activity = await published(
        admin, organization, positions=[catalogue.NewPosition(name="导诊", quota=quota)]
    )
    session, position = await first_session(activity), await first_position(activity)
    first, second = await volunteers(2)
    seat = await sign_ups.sign_up(first, session.id, position.id)
    waiting = await sign_ups.sign_up(second, session.id, position.id)
    return {
        "admin": admin,
        "organization": organization,
        "activity": activity,
        "session": await under_way(session),
        "volunteer": first,
        "seat": seat,
        "other": second,
        "waiting": waiting,
    }


async def test_a_confirmed_volunteer_checks_in_and_out_and_files_one_pending_record() -> None:
    c = await clinic()
    session = c["session"]
    code = Proof(code=current_code(Subject.SESSION, session.id).code)
    checked = await attendance.check_in(c["volunteer"], c["seat"].id, code)
    assert checked.checked_in_at is not None and checked.checkin_flags is None
    # Checked in an hour into the session; out ten minutes after its end (within tolerance).
    later = datetime.now(UTC) + timedelta(minutes=100)
    record = await attendance.check_out(c["volunteer"], c["seat"].id, ON_SITE, now=later)
    assert record.status == RecordStatus.PENDING and record.sign_up_id == c["seat"].id
    assert record.organization_id == c["organization"] and record.order_id is None
    assert record.started_at == checked.checked_in_at and record.ended_at == session.ends_at
    assert Decimal("1.48") <= record.hours <= Decimal("1.50") and record.flags is None
    again = attendance.check_out(c["volunteer"], c["seat"].id, ON_SITE, now=later)
    assert await refused(again) == "ALREADY_CHECKED_OUT"
    assert await ServiceRecord.filter(sign_up_id=c["seat"].id).count() == 1


async def test_refusals_are_coded_and_change_nothing() -> None:
    c = await clinic()
    session = c["session"]
    other_session = current_code(Subject.SESSION, session.id + 1).code
    order_code = current_code(Subject.ORDER, session.id).code
    cases = [
        (c["volunteer"], c["seat"].id, Proof(), "PROOF_REQUIRED"),
        (c["volunteer"], c["seat"].id, Proof(code=other_session), "CODE_INVALID"),
        (c["volunteer"], c["seat"].id, Proof(code=order_code), "CODE_INVALID"),
        (c["volunteer"], c["seat"].id, Proof(lat=CLINIC_LAT + 0.05, lng=CLINIC_LNG), "TOO_FAR"),
        (c["other"], c["waiting"].id, ON_SITE, "NOT_SIGNED_UP"),
        (c["other"], c["seat"].id, ON_SITE, "NOT_YOUR_SIGN_UP"),
        (c["volunteer"], -1, ON_SITE, "SIGN_UP_NOT_FOUND"),
    ]
    for who, sign_up_id, proof, expected in cases:
        assert await refused(attendance.check_in(who, sign_up_id, proof)) == expected, expected
    out_first = attendance.check_out(c["volunteer"], c["seat"].id, ON_SITE)
    assert await refused(out_first) == "NOT_CHECKED_IN"
    assert (await SignUp.get(id=c["seat"].id)).checked_in_at is None
    await attendance.check_in(c["volunteer"], c["seat"].id, ON_SITE)
    twice = attendance.check_in(c["volunteer"], c["seat"].id, ON_SITE)
    assert await refused(twice) == "ALREADY_CHECKED_IN"
    soon = attendance.check_out(c["volunteer"], c["seat"].id, ON_SITE)
    # Checked in just now: nothing of the session served yet.
    assert await refused(soon) == "TOO_SHORT"
    assert not await ServiceRecord.exists(sign_up_id=c["seat"].id)


async def test_check_in_outside_the_session_window_is_refused() -> None:
    c = await clinic()
    session = await under_way(c["session"], started_minutes_ago=-120)
    early = attendance.check_in(c["volunteer"], c["seat"].id, ON_SITE)
    assert await refused(early) == "OUTSIDE_WINDOW"
    assert session.starts_at > datetime.now(UTC)


async def test_the_code_is_shown_to_the_organisers_and_the_hosting_station_only() -> None:
    c = await clinic()
    session = c["session"]
    _, shown = await attendance.session_code(c["admin"], session.id)
    assert shown.code == current_code(Subject.SESSION, session.id).code
    with pytest.raises(NotPermitted):
        await attendance.session_code(c["volunteer"], session.id)
    _, station_admin, _ = await make_volunteer("station-admin")
    station_org = await make_organization(station_admin, "江北好人驿站志愿服务队")
    district = await huicheng()
    station = await Station.create(
        kind=StationKind.GOOD_PERSON_STATION,
        name="江北好人驿站",
        address="惠城区江北文昌一路 8 号",
        lat=CLINIC_LAT,
        lng=CLINIC_LNG,
        district_id=district.id,
        organization_id=station_org,
    )
    with pytest.raises(NotPermitted):
        await attendance.session_code(station_admin, session.id)
    await Activity.filter(id=c["activity"].id).update(station_id=station.id)
    _, on_screen = await attendance.session_code(station_admin, session.id)
    assert on_screen.code == shown.code


async def test_a_waitlisted_volunteer_promoted_can_check_in() -> None:
    c = await clinic()
    # The confirmed volunteer's place is removed before the session; the next one is promoted.
    await SignUp.filter(id=c["seat"].id).update(status=SignUpStatus.REMOVED)
    await SignUp.filter(id=c["waiting"].id).update(status=SignUpStatus.CONFIRMED)
    checked = await attendance.check_in(c["other"], c["waiting"].id, ON_SITE)
    assert checked.checked_in_at is not None
