"""The event log and the hub: every committed event of a topic, once, in order, across
reconnects, lagging subscribers and a lost bus."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import pytest

from models.events import Event
from services.common.errors import DomainError
from services.dispatch import assignments, center_topic, orders
from subscriptions import events
from subscriptions.bus import Bus
from subscriptions.hub import EventHub
from tests.conftest import Backend, empty_database
from tests.dispatch.support import assigned_order, huicheng_order, make_centers, people
from tests.server import RedisProcess


async def take(stream: AsyncIterator[Event], count: int, within: float = 10) -> list[Event]:
    got: list[Event] = []

    async def collect() -> None:
        async for event in stream:
            got.append(event)
            if len(got) == count:
                return

    await asyncio.wait_for(collect(), within)
    return got


async def listening(
    stream: AsyncIterator[Event], count: int, within: float = 15
) -> asyncio.Task[list[Event]]:
    """Starts consuming now (a stream attaches on its first step), returns the collector."""
    task = asyncio.create_task(take(stream, count, within))
    await asyncio.sleep(0.2)
    return task


async def test_a_failed_change_writes_no_event(hub: EventHub) -> None:
    await make_centers()
    who = await people()
    order_id, _ = await assigned_order(who)
    before = await Event.all().count()
    with pytest.raises(DomainError):
        await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
    assert await Event.all().count() == before


async def test_reconnecting_with_a_cursor_misses_nothing(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    topic = center_topic(centers["district"].id)
    stream = hub.stream(topic, after=0)
    await huicheng_order(who["resident"])
    first = await take(stream, 1)
    cursor = first[-1].id
    await stream.aclose()
    # While nobody listens:
    for _ in range(3):
        await huicheng_order(who["resident"])
    again = hub.stream(topic, after=cursor)
    missed = await take(again, 3)
    await again.aclose()
    expected = await Event.filter(id__gt=cursor, topics__contains=f"|{topic}|").order_by("id")
    assert [e.id for e in missed] == [e.id for e in expected]


async def test_a_running_hub_hears_of_events_logged_after_the_tables_were_emptied(
    backend: Backend, hub: EventHub
) -> None:
    # What the live tests rely on: a server (and its hub) outlives each test's emptied tables,
    # and its background writers may have logged events just before they were emptied.
    events.set_notifier(None)  # only the hub's own reading of the log, as in another process
    async with events.atomic() as tx:
        for n in range(50):
            tx.record("TEST_WRITTEN_BY_A_WORKER", ["worker"], {"n": n})
    read_up_to = await events.latest_id()
    await take(hub.stream("worker", after=read_up_to - 1), 1)
    await empty_database(backend)

    # when the next test logs an event of a topic a subscriber follows from now
    centers = await make_centers()
    who = await people()
    topic = center_topic(centers["district"].id)
    live = await listening(hub.stream(topic, after=None), 1)
    order_id = await huicheng_order(who["resident"])

    # then the hub delivers it: the log did not hand out again an id the hub had read
    [event] = await live
    assert event.id > read_up_to and event.payload["orderId"] == order_id


async def test_concurrent_changes_reach_a_live_subscriber_without_gap_or_duplicate(
    hub: EventHub,
) -> None:
    centers = await make_centers()
    who = await people()
    topic = center_topic(centers["district"].id)
    stream = hub.stream(topic, after=None)
    count = 30

    async def submit(i: int) -> None:
        await huicheng_order(who["resident"], description=f"Need number {i}")

    collector = await listening(stream, count, within=30)
    await asyncio.gather(*(submit(i) for i in range(count)))
    got = await collector
    await stream.aclose()
    ids = [e.id for e in got]
    assert ids == sorted(set(ids))
    assert len(ids) == count
    assert ids == [e.id for e in await Event.filter(topics__contains=f"|{topic}|").order_by("id")]


async def test_a_slow_subscriber_catches_up_from_the_log(hub: EventHub) -> None:
    await make_centers()
    who = await people()
    small = EventHub(hub.bus, queue_size=2)
    small._last_seen = await events.latest_id()
    stream = small.stream(f"order:{await huicheng_order(who['resident'])}", after=0)
    head = await take(stream, 1)
    # Overflow its queue by hand: the hub's delivery of many events at once.
    rows = await Event.all().order_by("id")
    for row in rows * 3:
        for subscriber in small._subscribers.get(head[0].topics.split("|")[1], ()):
            subscriber.offer(row)
    await orders.cancel(who["resident"], head[0].payload["orderId"], "changed my mind")
    await small._deliver_new()
    tail = await take(stream, 1)
    await stream.aclose()
    assert tail[0].type == "ORDER_CANCELLED"


async def test_the_hub_recovers_a_lost_bus(hub: EventHub) -> None:
    centers = await make_centers()
    who = await people()
    stream = hub.stream(center_topic(centers["district"].id), after=None)
    collector = await listening(stream, 2)
    # Break the bus under the hub: its heartbeat notices and it rebuilds the connection.
    await hub.bus.disconnect()
    await huicheng_order(who["resident"])
    await asyncio.sleep(2.5)
    assert hub.reconnects >= 1
    await huicheng_order(who["resident"])
    got = await collector
    await stream.aclose()
    assert [e.type for e in got] == ["ORDER_SUBMITTED", "ORDER_SUBMITTED"]


async def test_a_redis_that_stops_answering_holds_up_no_mutation(
    backend: Backend, clean_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    if not backend.is_postgres:
        pytest.skip("a hung Redis: the sqlite+memory pass has no Redis (see the postgres pass)")
    # given a hub on a Redis of this test's own, and a live subscriber of a centre
    caplog.set_level(logging.WARNING)
    centers = await make_centers()
    who = await people()
    redis = RedisProcess().start()
    bus = Bus(redis.url, channel_prefix=f"vc-hung-{uuid.uuid4().hex[:8]}")
    await bus.connect()
    hub = EventHub(bus, heartbeat_seconds=1.0)
    await hub.start()
    try:
        stream = hub.stream(center_topic(centers["district"].id), after=None)
        collector = await listening(stream, 2, within=30)
        assert "event bus lost" not in caplog.text

        # when Redis stops answering (its connections stay open; nothing comes back) and an
        # order is submitted
        redis.pause()
        await asyncio.wait_for(huicheng_order(who["resident"]), 10)

        # then the mutation returned all the same: its post-commit announcement gave up and
        # said so, and this process's subscriber was told without the bus
        assert "could not announce event" in caplog.text
        assert "timed out" in caplog.text
        # and once Redis answers again, events keep coming and the hub stops promptly
        await asyncio.sleep(2.5)
        redis.resume()
        await huicheng_order(who["resident"])
        got = await collector
        await stream.aclose()
        await asyncio.wait_for(hub.stop(), 10)
    finally:
        redis.resume()
        await hub.stop()
        await bus.disconnect()
        redis.kill()
    assert [e.type for e in got] == ["ORDER_SUBMITTED", "ORDER_SUBMITTED"]
