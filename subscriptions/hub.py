"""One reader of the event log per process, fanning events out to local subscribers.

The bus only says "something was committed"; the hub then reads the log once (not once per
subscriber) and hands the rows to every subscriber of their topics through bounded mailboxes. A
subscriber that falls behind, or a bus that lost messages or its connection, costs a catch-up
read from the log, never an event: the hub polls the log on every heartbeat anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Iterable
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


class _Subscriber:
    """One stream's mailbox: a bounded deque and at most one waiting reader. Cheaper than an
    asyncio.Queue (no getter/putter bookkeeping), which counts when an event wakes 10,000."""

    __slots__ = ("items", "limit", "live", "topics", "waiter")

    def __init__(self, topics: tuple[str, ...], limit: int) -> None:
        self.topics = topics
        self.limit = limit
        self.items: deque[Item] = deque()
        self.waiter: asyncio.Future[None] | None = None
        # Past its first replay from the log: from now on it is fed by the hub alone.
        self.live = False

    def offer(self, item: Item) -> None:
        items = self.items
        if len(items) >= self.limit:
            # Memory stays bounded: drop what is queued, the subscriber re-reads it from the log.
            items.clear()
            item = _CLOSED if item is _CLOSED else _LAGGED
        items.append(item)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Item:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.popleft()


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
                # Events of other processes still reach the log: read it while the bus is away.
                self._wake.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                try:
                    # Bounded: a bus that accepts connections but never answers must not stop
                    # the retries (nor, with them, the log reads).
                    async with asyncio.timeout(self.heartbeat_seconds):
                        await self.bus.reconnect()
                    self.reconnects += 1
                except Exception as reconnect_error:
                    log.warning("event bus reconnect failed: %r", reconnect_error)

    async def _pump(self, messages: Messages) -> None:
        while True:
            try:
                async with asyncio.timeout(self.heartbeat_seconds):
                    await messages.get()
            except TimeoutError:
                await self._heartbeat(messages)
            self._wake.set()

    async def _heartbeat(self, messages: Messages) -> None:
        """Publishes to ourselves and waits for it: proves the round trip works."""
        nonce = f"hb:{id(self)}:{next(self._nonces)}"
        try:
            async with asyncio.timeout(self.heartbeat_seconds):
                await self.bus.publish(self.channel, nonce)
            async with asyncio.timeout(self.heartbeat_seconds):
                while getattr(await messages.get(), "message", None) != nonce:
                    pass
        except TimeoutError as exc:
            raise BusLost(nonce) from exc

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
                # A subscriber of several of the row's topics is offered it more than once
                # and keeps the first (its stream skips ids it has passed).
                for topic in events.unpack_topics(row.topics):
                    for subscriber in self._subscribers.get(topic, ()):
                        subscriber.offer(row)
                self._last_seen = row.id
            if len(rows) < self.batch_size:
                return

    async def stream(self, topics: str | Iterable[str], after: int | None) -> AsyncIterator[Event]:
        """Every event of `topics` (one or several) after the cursor `after` (or from now), once
        each, in order, then live. Ends when the hub stops."""
        wanted = (topics,) if isinstance(topics, str) else tuple(sorted(set(topics)))
        subscriber = _Subscriber(wanted, self.queue_size)
        # Attach before reading the log, so nothing falls between the replay and live.
        for topic in wanted:
            self._subscribers[topic].add(subscriber)
        try:
            last = after if after is not None else await events.latest_id()
            async for row in self._catch_up(wanted, last):
                last = row.id
                EVENTS_DELIVERED.inc()
                yield row
            subscriber.live = True
            items = subscriber.items
            while True:
                item = items.popleft() if items else await subscriber.get()
                if isinstance(item, str):
                    if item is _CLOSED:
                        return
                    async for row in self._catch_up(wanted, last):
                        last = row.id
                        EVENTS_DELIVERED.inc()
                        yield row
                elif item.id > last:
                    last = item.id
                    EVENTS_DELIVERED.inc()
                    yield item
        finally:
            for topic in wanted:
                attached = self._subscribers.get(topic)
                if attached is not None:
                    attached.discard(subscriber)
                    if not attached:
                        del self._subscribers[topic]

    async def _catch_up(self, topics: tuple[str, ...], last: int) -> AsyncIterator[Event]:
        while True:
            rows = await events.read_after(last, topics, self.batch_size)
            for row in rows:
                last = row.id
                yield row
            if len(rows) < self.batch_size:
                return

    def subscriber_count(self, live: bool = False) -> int:
        """Attached subscribers (a stream of several topics counts once); with `live`, only
        those past their first replay."""
        streams = {id(one): one for s in self._subscribers.values() for one in s}
        return sum(1 for one in streams.values() if one.live or not live)
