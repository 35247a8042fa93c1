"""The pub/sub bus behind a small interface of our own; the backend is chosen by URL scheme
(`memory://` embedded, `redis://` in production), as broadcaster does."""

from __future__ import annotations

import asyncio
import logging

from broadcaster import Broadcast

log = logging.getLogger("volunteer_city.bus")


class Bus:
    def __init__(self, url: str) -> None:
        self.url = url
        self._broadcast = Broadcast(url)
        self._connected = False

    @property
    def is_redis(self) -> bool:
        return self.url.startswith(("redis://", "rediss://"))

    async def connect(self) -> None:
        await self._broadcast.connect()
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            await self._broadcast.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        await self._broadcast.publish(channel=channel, message=message)

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
