"""One reader of the event log per process, fanning events out to local subscribers.

The bus only says "something was committed"; the hub then reads the log once (not once per
subscriber) and hands the rows to every subscriber of their topics through bounded queues. A
subscriber that falls behind, or a bus that lost messages or its connection, costs a catch-up
read from the log, never an event: the hub polls the log on every heartbeat anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from models.events import Event
from subscriptions import events
from subscriptions.bus import Bus, Messages
from subscriptions.metrics import EVENTS_DELIVERED

log = logging.getLogger("volunteer_city.hub")

_LAGGED = "lagged"  # queue marker: the subscriber must catch up from the log
_CLOSED = "closed"  # queue marker: the hub is stopping
Item = Event | str


class BusLost(Exception):
    """The heartbeat did not come back: the bus connection is dead or deaf."""


@dataclass(eq=False)
class _Subscriber:
    topic: str
    queue: asyncio.Queue[Item]
    # Past its first replay from the log: from now on it is fed by the hub alone.
    live: bool = False

    def offer(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # Memory stays bounded: drop what is queued, the subscriber re-reads it from the log.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_CLOSED if item == _CLOSED else _LAGGED)


@dataclass
class EventHub:
    bus: Bus
    queue_size: int = 256
    heartbeat_seconds: float = 5.0
    batch_size: int = 500
    # How many events keep their shared views; more than a batch, so that a whole batch's
    # subscribers find what the first of them derived.
    views_size: int = 1024
    _subscribers: dict[str, set[_Subscriber]] = field(default_factory=lambda: defaultdict(set))
    _last_seen: int | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _nonces: itertools.count[int] = field(default_factory=itertools.count)
    _views: OrderedDict[int, dict[str, Any]] = field(default_factory=OrderedDict)
    reconnects: int = 0

    @property
    def channel(self) -> str:
        return self.bus.channel("events")

    async def start(self) -> None:
        try:
            self._last_seen = await events.latest_id()
        except Exception as exc:
            # A database that is down at start-up must not stop the process: /readyz says 503
            # and the reader learns where the log ends once the database answers.
            log.warning("event log unreadable at start-up: %s", exc)
        self._tasks = [
            asyncio.create_task(self._listen(), name="hub-listen"),
            asyncio.create_task(self._read(), name="hub-read"),
        ]
        events.set_notifier(self.notify)

    async def stop(self) -> None:
        events.set_notifier(None)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.offer(_CLOSED)
        self._views.clear()

    def views(self, event_id: int) -> dict[str, Any]:
        """A place for what is derived from event `event_id`, shared by every subscriber of
        this process. Bounded: the oldest events' views are dropped first (and rebuilt by
        whoever needs them again)."""
        found = self._views.get(event_id)
        if found is None:
            found = self._views[event_id] = {}
            if len(self._views) > self.views_size:
                self._views.popitem(last=False)
        return found

    async def notify(self, event_id: int) -> None:
        # This process learns at once; the others through the bus.
        self._wake.set()
        await self.bus.publish(self.channel, str(event_id))

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                async with self.bus.subscribe(self.channel) as messages:
                    # Whatever was published while we were not listening is in the log.
                    self._wake.set()
                    delay = 0.2
                    await self._pump(messages)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event bus lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                with contextlib.suppress(Exception):
                    await self.bus.reconnect()
                    self.reconnects += 1

    async def _pump(self, messages: Messages) -> None:
        while True:
            try:
                await asyncio.wait_for(messages.get(), timeout=self.heartbeat_seconds)
            except TimeoutError:
                await self._heartbeat(messages)
            self._wake.set()

    async def _heartbeat(self, messages: Messages) -> None:
        """Publishes to ourselves and waits for it: proves the round trip works."""
        nonce = f"hb:{id(self)}:{next(self._nonces)}"
        await asyncio.wait_for(self.bus.publish(self.channel, nonce), self.heartbeat_seconds)
        deadline = asyncio.get_running_loop().time() + self.heartbeat_seconds
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise BusLost(nonce)
            try:
                message = await asyncio.wait_for(messages.get(), timeout=remaining)
            except TimeoutError as exc:
                raise BusLost(nonce) from exc
            if getattr(message, "message", None) == nonce:
                return

    async def _read(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._deliver_new()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reading the event log failed: %s", exc)
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _deliver_new(self) -> None:
        if self._last_seen is None:
            self._last_seen = await events.latest_id()
        while True:
            rows = await events.read_after(self._last_seen, limit=self.batch_size)
            for row in rows:
                for topic in events.unpack_topics(row.topics):
                    for subscriber in self._subscribers.get(topic, ()):
                        subscriber.offer(row)
                self._last_seen = row.id
            if len(rows) < self.batch_size:
                return

    async def stream(self, topic: str, after: int | None) -> AsyncIterator[Event]:
        """Every event of `topic` after the cursor `after` (or from now), once each, in order,
        then live. Ends when the hub stops."""
        subscriber = _Subscriber(topic, asyncio.Queue(maxsize=self.queue_size))
        # Attach before reading the log, so nothing falls between the replay and live.
        self._subscribers[topic].add(subscriber)
        try:
            last = after if after is not None else await events.latest_id()
            async for row in self._catch_up(topic, last):
                last = row.id
                EVENTS_DELIVERED.inc()
                yield row
            subscriber.live = True
            while True:
                item = await subscriber.queue.get()
                if isinstance(item, str):
                    if item == _CLOSED:
                        return
                    async for row in self._catch_up(topic, last):
                        last = row.id
                        EVENTS_DELIVERED.inc()
                        yield row
                elif item.id > last:
                    last = item.id
                    EVENTS_DELIVERED.inc()
                    yield item
        finally:
            self._subscribers[topic].discard(subscriber)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    async def _catch_up(self, topic: str, last: int) -> AsyncIterator[Event]:
        while True:
            rows = await events.read_after(last, topic, self.batch_size)
            for row in rows:
                last = row.id
                yield row
            if len(rows) < self.batch_size:
                return

    def subscriber_count(self, live: bool = False) -> int:
        """Attached subscribers; with `live`, only those past their first replay."""
        return sum(sum(1 for one in s if one.live or not live) for s in self._subscribers.values())
