"""The pub/sub bus behind a small interface of our own; the backend is chosen by URL scheme
(`memory://` embedded, `redis://` in production), as broadcaster does.

broadcaster 0.3 never recovers from a lost Redis connection (its listener task dies and its
subscribers wait forever), so the bus can be rebuilt with `reconnect()`; the hub decides when,
from a heartbeat. Only small wake-ups travel here: the event log is the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from broadcaster import Broadcast

log = logging.getLogger("volunteer_city.bus")


class Messages(Protocol):
    async def get(self) -> object: ...


class Bus:
    def __init__(self, url: str, channel_prefix: str = "vc") -> None:
        self.url = url
        self.channel_prefix = channel_prefix
        self._broadcast = Broadcast(url)
        self._connected = False

    @property
    def is_redis(self) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    def channel(self, name: str) -> str:
        return f"{self.channel_prefix}:{name}"

    async def connect(self) -> None:
        await self._broadcast.connect()
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            # A backend that already failed re-raises its error here; it is gone either way.
            with contextlib.suppress(Exception):
                await self._broadcast.disconnect()

    async def reconnect(self) -> None:
        await self.disconnect()
        self._broadcast = Broadcast(self.url)
        await self.connect()

    async def publish(self, channel: str, message: str) -> None:
        await self._broadcast.publish(channel=channel, message=message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Messages]:
        """Messages of one channel; `get()` returns objects with a `message` string."""
        async with self._broadcast.subscribe(channel) as subscriber:
            yield subscriber

    async def ping(self) -> bool:
        """Whether the backend answers now; used by the readiness probe."""
        if not self._connected:
            return False
        if not self.is_redis:
            return True
        from redis.asyncio import Redis

        client: Redis = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(await asyncio.wait_for(client.ping(), timeout=3))
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.warning("bus ping failed: %s", exc)
            return False
        finally:
            await client.aclose()
