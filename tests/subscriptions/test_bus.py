"""The bus itself: a published message reaches the subscribers of its channel, on `memory://` and
on Redis, and a quiet hub's heartbeat keeps finding its way back (so it never rebuilds a healthy
bus, and cross-process events need no log poll to arrive)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import pytest

from subscriptions.bus import Bus
from subscriptions.hub import EventHub
from tests.conftest import Backend


async def test_a_published_message_reaches_the_subscriber_of_its_channel(backend: Backend) -> None:
    # given a subscriber of a channel
    bus = Bus(backend.settings.broadcast_url, channel_prefix=f"vc-bus-{uuid.uuid4().hex[:8]}")
    await bus.connect()
    try:
        async with bus.subscribe(bus.channel("events")) as messages:
            # when three messages are published on it
            for n in range(3):
                await bus.publish(bus.channel("events"), f"wake {n}")

            # then all three arrive, in order
            received = [await asyncio.wait_for(messages.get(), 5) for _ in range(3)]
    finally:
        await bus.disconnect()
    assert [getattr(m, "message", None) for m in received] == ["wake 0", "wake 1", "wake 2"]


async def test_a_quiet_hub_never_loses_a_healthy_bus(
    hub: EventHub, caplog: pytest.LogCaptureFixture
) -> None:
    # given a hub with a one-second heartbeat and nothing happening
    caplog.set_level(logging.WARNING, logger="volunteer_city.hub")

    # when three heartbeats go by
    await asyncio.sleep(3.5)

    # then each came back over the bus: no reconnect, no warning
    assert hub.reconnects == 0
    assert [r.getMessage() for r in caplog.records if r.name == "volunteer_city.hub"] == []


async def test_a_hub_stopped_just_as_a_message_arrives_still_stops(hub: EventHub) -> None:
    # given hubs on a memory bus, whose messages arrive a few loop iterations after publishing
    stopped = []
    for iterations in range(12):
        bus = Bus("memory://", channel_prefix=f"vc-bus-stop-{uuid.uuid4().hex[:8]}")
        await bus.connect()
        subscribed = asyncio.Event()
        subscribe = bus.subscribe

        @contextlib.asynccontextmanager
        async def observed(channel: str, subscribe=subscribe, subscribed=subscribed):  # type: ignore[no-untyped-def]
            async with subscribe(channel) as messages:
                subscribed.set()
                yield messages

        bus.subscribe = observed  # type: ignore[method-assign]
        other = EventHub(bus, heartbeat_seconds=5)
        await other.start()
        await asyncio.wait_for(subscribed.wait(), 5)
        try:
            # when one is stopped n loop iterations after a message was published, for every n
            # around the moment the message reaches its reader
            await bus.publish(other.channel, "wake")
            for _ in range(iterations):
                await asyncio.sleep(0)
            stopping = asyncio.create_task(other.stop())

            # then it stops every time (Python 3.11's wait_for could swallow that cancellation
            # and keep the reader, hence the server's shutdown, waiting for ever)
            done, _ = await asyncio.wait({stopping}, timeout=2)
            stopped.append(bool(done))
        finally:
            for task in other._tasks:
                task.cancel()
            await bus.disconnect()
    assert all(stopped), stopped
