"""Star levels and the date each was reached: written by the confirmation that crossed the
threshold (also a confirmation of corrected hours), kept as history when hours go down, and
backfilled for hours that predate the history."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models.accounts import Role
from models.events import Event
from models.rewards import StarLevelAchievement
from models.volunteers import Volunteer
from services.dispatch import service_records
from services.rewards import levels as rewards_levels
from subscriptions.events import atomic
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.rewards.support import gid, pending_record, volunteer
from tests.support import data_of, make_user


async def levels_of(volunteer_id: int) -> list[StarLevelAchievement]:
    return await StarLevelAchievement.filter(volunteer_id=volunteer_id).order_by("level")


async def staff() -> tuple[object, object]:
    await make_centers()
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    _, resident = await make_user("resident1", Role.RESIDENT)
    return dispatcher, resident


async def test_the_confirmation_that_crosses_a_threshold_dates_the_level() -> None:
    # given a volunteer 1 hour short of 1★ and a pending record of 2.5 hours
    dispatcher, resident = await staff()
    who, volunteer_id = await volunteer("vol", "99.00")
    record_id = await pending_record(dispatcher, resident, who, volunteer_id)  # type: ignore[arg-type]
    assert await levels_of(volunteer_id) == []

    # when it is confirmed
    before = datetime.now(UTC)
    await service_records.confirm(dispatcher, record_id)  # type: ignore[arg-type]

    # then 1★ is recorded with the moment, the hours and the record that crossed it
    [reached] = await levels_of(volunteer_id)
    assert (reached.level, reached.hours_at_reach, reached.service_record_id) == (
        1,
        Decimal("101.50"),
        record_id,
    )
    assert before <= reached.reached_at <= datetime.now(UTC)
    assert not reached.backfilled and reached.lost_at is None
    event = await Event.filter(type="STAR_LEVEL_REACHED").get()
    assert f"|rewards:volunteer:{volunteer_id}|" in event.topics
    assert event.payload["starLevel"] == 1


async def test_a_confirmation_below_a_threshold_or_a_rejection_dates_nothing() -> None:
    dispatcher, resident = await staff()
    who, volunteer_id = await volunteer("vol", "10.00")
    first = await pending_record(dispatcher, resident, who, volunteer_id)  # type: ignore[arg-type]
    await service_records.confirm(dispatcher, first)  # type: ignore[arg-type]
    second = await pending_record(dispatcher, resident, who, volunteer_id, hours_from_now=6)  # type: ignore[arg-type]
    await Volunteer.filter(id=volunteer_id).update(total_hours=Decimal(99))
    await service_records.reject(dispatcher, second)  # type: ignore[arg-type]
    assert await levels_of(volunteer_id) == []
    assert not await Event.filter(type="STAR_LEVEL_REACHED").exists()


async def test_a_corrected_record_that_crosses_a_threshold_dates_the_level() -> None:
    # given a rejected record, for which the volunteer asks 24 hours instead of 2.5
    dispatcher, resident = await staff()
    who, volunteer_id = await volunteer("vol", "290.00")
    record_id = await pending_record(dispatcher, resident, who, volunteer_id)  # type: ignore[arg-type]
    await service_records.reject(dispatcher, record_id)  # type: ignore[arg-type]
    await service_records.request_correction(who, record_id, Decimal(24), "I stayed all day")

    # when the correction is confirmed, the corrected hours cross 300 (2★)
    await service_records.confirm(dispatcher, record_id)  # type: ignore[arg-type]

    # then 2★ is dated by that confirmation (1★ predates the history and is not invented)
    [reached] = await levels_of(volunteer_id)
    assert (reached.level, reached.hours_at_reach, reached.service_record_id) == (
        2,
        Decimal("314.00"),
        record_id,
    )


async def test_several_levels_at_once_and_hours_going_down_and_up_again() -> None:
    _, volunteer_id = await volunteer("vol")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    async with atomic() as tx:
        await rewards_levels.hours_changed(tx, volunteer_id, Decimal(0), Decimal(700), None, t0)
    assert [(a.level, a.reached_at) for a in await levels_of(volunteer_id)] == [
        (1, t0),
        (2, t0),
        (3, t0),
    ]

    # Down (an administrator's reversal): levels above the new one are marked, not erased.
    t1 = t0 + timedelta(days=30)
    async with atomic() as tx:
        await rewards_levels.hours_changed(tx, volunteer_id, Decimal(700), Decimal(250), None, t1)
    assert [(a.level, a.lost_at) for a in await levels_of(volunteer_id)] == [
        (1, None),
        (2, t1),
        (3, t1),
    ]
    assert await Event.filter(type="STAR_LEVEL_LOST").count() == 1

    # Up again: 2★ is held again and keeps its first date; 3★ stays lost.
    t2 = t1 + timedelta(days=30)
    async with atomic() as tx:
        await rewards_levels.hours_changed(tx, volunteer_id, Decimal(250), Decimal(400), 7, t2)
    assert [(a.level, a.reached_at, a.lost_at) for a in await levels_of(volunteer_id)] == [
        (1, t0, None),
        (2, t0, None),
        (3, t0, t1),
    ]


async def test_a_failed_transaction_leaves_no_level() -> None:
    _, volunteer_id = await volunteer("vol")
    with pytest.raises(RuntimeError):
        async with atomic() as tx:
            await rewards_levels.hours_changed(tx, volunteer_id, Decimal(0), Decimal(100), None)
            raise RuntimeError("the confirmation failed after")
    assert await levels_of(volunteer_id) == []
    assert not await Event.exists()


async def test_backfill_fills_in_levels_held_without_history_once() -> None:
    _, ada = await volunteer("ada", "650.00")
    _, bo = await volunteer("bob", "120.00")
    _, cy = await volunteer("cyd", "99.99")
    async with atomic() as tx:
        await rewards_levels.hours_changed(tx, bo, Decimal(0), Decimal(120), None)
    when = datetime(2026, 5, 1, tzinfo=UTC)

    assert await rewards_levels.backfill(when) == 3
    assert [(a.level, a.backfilled, a.reached_at) for a in await levels_of(ada)] == [
        (1, True, when),
        (2, True, when),
        (3, True, when),
    ]
    assert [a.backfilled for a in await levels_of(bo)] == [False]
    assert await levels_of(cy) == []
    assert await rewards_levels.backfill() == 0


async def test_concurrent_confirmations_date_a_level_once(backend: Backend) -> None:
    dispatcher, resident = await staff()
    who, volunteer_id = await volunteer("vol", "98.00")
    records = [
        await pending_record(dispatcher, resident, who, volunteer_id, hours_from_now=h)  # type: ignore[arg-type]
        for h in (2, 6, 10)
    ]
    await asyncio.gather(*(service_records.confirm(dispatcher, r) for r in records))  # type: ignore[arg-type]
    [reached] = await levels_of(volunteer_id)
    assert reached.level == 1 and reached.service_record_id in records
    assert (await Volunteer.get(id=volunteer_id)).total_hours == Decimal("105.50")


HISTORY = """
query ($id: ID!) {
  volunteer(id: $id) {
    starLevel
    starLevelHistory { level reachedAt hoursAtReach backfilled lostAt }
  }
}
"""


async def test_the_history_is_on_the_volunteer() -> None:
    _, volunteer_id = await volunteer("vol", "320.00")
    await rewards_levels.backfill(datetime(2026, 5, 1, tzinfo=UTC))
    _, reader = await make_user("reader", Role.RESIDENT)
    data = await data_of(HISTORY, {"id": gid("Volunteer", volunteer_id)}, reader)
    assert data["volunteer"]["starLevel"] == 2
    assert data["volunteer"]["starLevelHistory"] == [
        {
            "level": level,
            "reachedAt": "2026-05-01T00:00:00+00:00",
            "hoursAtReach": "320.00",
            "backfilled": True,
            "lostAt": None,
        }
        for level in (1, 2)
    ]
