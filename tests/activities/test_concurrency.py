"""Races on PostgreSQL, where they are real (SQLite serialises writers): concurrent sign-ups
for a full session confirm exactly its places and waitlist the rest in arrival order, and
concurrent cancellations each promote one waiting volunteer, never a place twice."""

from __future__ import annotations

import asyncio

import pytest

from models.activities import ActivitySession, SignUp, SignUpStatus
from models.events import Event
from models.volunteers import Volunteer
from services.activities import catalogue, sign_ups
from tests.activities.support import first_position, first_session, organiser, published
from tests.conftest import Backend
from tests.support import make_volunteer

PLACES = 10
CROWD = 100


async def test_concurrent_sign_ups_fill_exactly_the_places_then_cancellations_promote(
    backend: Backend,
) -> None:
    if not backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    admin, organization = await organiser()
    activity = await published(
        admin, organization, positions=[catalogue.NewPosition(name="志愿者", quota=PLACES)]
    )
    session, position = await first_session(activity), await first_position(activity)
    crowd = [(await make_volunteer(f"crowd-{i}"))[1] for i in range(CROWD)]

    # Given 100 volunteers signing up at once for 10 places,
    results = await asyncio.gather(
        *(sign_ups.sign_up(p, session.id, position.id) for p in crowd), return_exceptions=True
    )

    # then exactly 10 are confirmed and 90 waitlisted, in arrival (id) order.
    assert all(isinstance(r, SignUp) for r in results), results
    rows = await SignUp.filter(session_id=session.id).order_by("id")
    assert [r.status for r in rows] == [SignUpStatus.CONFIRMED] * PLACES + [
        SignUpStatus.WAITLISTED
    ] * (CROWD - PLACES)
    assert (await ActivitySession.get(id=session.id)).openings == 0

    # When 20 volunteers cancel at once: 10 confirmed ones and 10 from the front of the list,
    confirmed = rows[:PLACES]
    leaving = confirmed + rows[PLACES : PLACES + 10]
    principals = {}
    for principal in crowd:
        volunteer = await Volunteer.get(user_id=principal.user_id)
        principals[volunteer.id] = principal
    cancels = await asyncio.gather(
        *(sign_ups.cancel_own(principals[r.volunteer_id], r.id) for r in leaving),
        return_exceptions=True,
    )
    assert all(isinstance(c, SignUp) for c in cancels), cancels

    # then each freed place went to one waiting volunteer, exactly 10 promoted, in order.
    after = await SignUp.filter(session_id=session.id).order_by("id")
    now_confirmed = [r.id for r in after if r.status == SignUpStatus.CONFIRMED]
    expected = [r.id for r in rows[PLACES + 10 : PLACES + 20]]
    assert now_confirmed == expected
    promoted = [
        p["signUpId"]  # type: ignore[index]
        for p in await Event.filter(type="SIGN_UP_PROMOTED").values_list("payload", flat=True)
    ]
    # A waiting volunteer may be promoted before their own cancellation lands, which then
    # frees the place again: each promotion is of a distinct sign-up, never one place twice.
    assert len(set(promoted)) == len(promoted)
    assert set(expected) <= set(promoted) <= {r.id for r in rows[PLACES : PLACES + 20]}
    assert (await ActivitySession.get(id=session.id)).openings == 0


async def test_twenty_concurrent_cancellations_promote_exactly_twenty(backend: Backend) -> None:
    if not backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    admin, organization = await organiser()
    activity = await published(
        admin, organization, positions=[catalogue.NewPosition(name="志愿者", quota=20)]
    )
    session, position = await first_session(activity), await first_position(activity)
    people = [(await make_volunteer(f"many-{i}"))[1] for i in range(45)]
    rows = [await sign_ups.sign_up(p, session.id, position.id) for p in people]
    # 20 confirmed, 25 waiting; the 20 confirmed cancel at once.
    results = await asyncio.gather(
        *(sign_ups.cancel_own(p, r.id) for p, r in zip(people[:20], rows[:20], strict=True)),
        return_exceptions=True,
    )
    assert all(isinstance(r, SignUp) for r in results), results
    after = await SignUp.filter(session_id=session.id).order_by("id")
    confirmed = [r.id for r in after if r.status == SignUpStatus.CONFIRMED]
    assert confirmed == [r.id for r in rows[20:40]]
    assert [r.status for r in after[40:]] == [SignUpStatus.WAITLISTED] * 5
    assert await Event.filter(type="SIGN_UP_PROMOTED").count() == 20
