"""The pub/sub bus behind a small interface of our own; the backend is chosen by URL scheme
(`memory://` embedded, `redis://` in production), as broadcaster does.

broadcaster 0.3 never recovers from a lost Redis connection (its listener task dies and its
subscribers wait forever), so the bus can be rebuilt with `reconnect()`; the hub decides when,
from a heartbeat. Only small wake-ups travel here: the event log is the source of truth.

On Redis we give broadcaster a backend of our own (`RedisPubSub`): broadcaster 0.3.1's
`RedisBackend` wakes its reader before the SUBSCRIBE has completed, and redis-py (8.x) counts a
channel as subscribed only once it has, so the reader finds no channel, stops, and is never
started again: not one message is ever delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from broadcaster import Broadcast, BroadcastBackend, Event
from redis.asyncio import Redis

log = logging.getLogger("volunteer_city.bus")
# Wake-ups waiting for the hub; more than this means it is far behind, and re-reads the log.
BACKLOG = 1024
# How long one bus operation may take. A Redis that accepts connections but stops answering
# would otherwise hold a mutation's post-commit notify (and the hub's reconnects) forever.
OPERATION_TIMEOUT = 1.0


class BusTimeout(TimeoutError):
    """A bus operation did not finish in time; the bus is hung or unreachable."""


class Messages(Protocol):
    async def get(self) -> object: ...


class RedisPubSub(BroadcastBackend):
    """Redis pub/sub for broadcaster, reading only once a SUBSCRIBE has completed. A lost
    connection ends the reader; the hub's heartbeat notices the silence and rebuilds the bus."""

    def __init__(self, url: str) -> None:
        self._client = Redis.from_url(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=BACKLOG)
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._pubsub.connect()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]  # typed from redis 8.2
        await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="redis-pubsub-reader")

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: object) -> None:
        await self._client.publish(channel, str(message))

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _read(self) -> None:
        try:
            async for message in self._pubsub.listen():
                if message is None or message.get("type") != "message":
                    continue
                event = Event(channel=message["channel"].decode(), message=message["data"].decode())
                with contextlib.suppress(asyncio.QueueFull):
                    self._queue.put_nowait(event)
        except Exception as exc:
            log.warning("redis pub/sub reader stopped: %s", exc)


def _broadcast(url: str) -> Broadcast:
    if url.startswith(("redis://", "rediss://")):
        return Broadcast(backend=RedisPubSub(url))
    return Broadcast(url)


class Bus:
    def __init__(
        self, url: str, channel_prefix: str = "vc", timeout: float = OPERATION_TIMEOUT
    ) -> None:
        self.url = url
        self.channel_prefix = channel_prefix
        self.timeout = timeout
        self._broadcast = _broadcast(url)
        self._connected = False

    @property
    def is_redis(self) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    def channel(self, name: str) -> str:
        return f"{self.channel_prefix}:{name}"

    @asynccontextmanager
    async def _bounded(self, what: str) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except TimeoutError as exc:
            raise BusTimeout(f"{what} timed out after {self.timeout:g}s") from exc

    async def connect(self) -> None:
        async with self._bounded("connecting to the bus"):
            await self._broadcast.connect()
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            # A backend that already failed re-raises its error here, and a hung one may never
            # say goodbye; it is gone either way.
            with contextlib.suppress(Exception):
                async with self._bounded("disconnecting from the bus"):
                    await self._broadcast.disconnect()

    async def reconnect(self) -> None:
        await self.disconnect()
        self._broadcast = _broadcast(self.url)
        await self.connect()

    async def publish(self, channel: str, message: str) -> None:
        """Raises BusTimeout when the bus does not take the message in time."""
        async with self._bounded(f"publishing to {channel}"):
            await self._broadcast.publish(channel=channel, message=message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Messages]:
        """Messages of one channel; `get()` returns objects with a `message` string."""
        async with contextlib.AsyncExitStack() as stack:
            async with self._bounded(f"subscribing to {channel}"):
                subscriber = await stack.enter_async_context(self._broadcast.subscribe(channel))
            yield subscriber

    async def ping(self) -> bool:
        """Whether the backend answers now; used by the readiness probe."""
        if not self._connected:
            return False
        if not self.is_redis:
            return True
        client: Redis = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(await asyncio.wait_for(client.ping(), timeout=3))
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.warning("bus ping failed: %s", exc)
            return False
        finally:
            await client.aclose()
