"""A small `graphql-transport-ws` client on `websockets`, for tests against the real server.

It speaks the protocol by hand so that tests can see what a library would hide: the close code
of a rejected `connection_init`, the exact `next` messages, a server that goes away mid-stream.
Every wait is bounded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL = "graphql-transport-ws"
TIMEOUT = 15.0


class ProtocolError(AssertionError):
    """The server sent something the test did not expect."""


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = TIMEOUT) -> dict[str, Any]:
        """The next protocol message; pings are answered and skipped."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), within)
            message: dict[str, Any] = json.loads(raw)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if message.get("type") == "pong":
                continue
            return message

    async def init(self, payload: dict[str, Any] | None) -> dict[str, Any]:
        """Sends `connection_init` and returns the server's answer (normally `connection_ack`)."""
        message: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await self.send(message)
        return await self.receive()

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )

    async def next_data(self, operation_id: str, within: float = TIMEOUT) -> dict[str, Any]:
        """The data of the next `next` message of an operation; anything else is an error."""
        message = await self.receive(within)
        if message.get("id") != operation_id or message.get("type") != "next":
            raise ProtocolError(f"expected `next` for {operation_id}, got {message}")
        payload = message["payload"]
        if payload.get("errors"):
            raise ProtocolError(f"errors in `next`: {payload['errors']}")
        data: dict[str, Any] = payload["data"]
        return data

    async def wait_closed(self, within: float = TIMEOUT) -> tuple[int | None, str]:
        """Reads until the server closes; returns its close code and reason."""
        try:
            async with asyncio.timeout(within):
                while True:
                    await self.connection.recv()
        except ConnectionClosed:
            pass
        received = self.connection.protocol.close_rcvd
        return (received.code, received.reason) if received else (None, "")

    async def close(self) -> None:
        await self.connection.close()


@asynccontextmanager
async def ws_connect(
    url: str, *, ping_interval: float | None = None
) -> AsyncIterator[GraphQLWebSocket]:
    """A raw connection (no `connection_init` yet). `ping_interval=None`: the client sends no
    pings of its own, so a test sees whether the server keeps a quiet connection alive."""
    async with connect(
        url, subprotocols=[Subprotocol(PROTOCOL)], ping_interval=ping_interval, open_timeout=TIMEOUT
    ) as connection:
        yield GraphQLWebSocket(connection)


@asynccontextmanager
async def authenticated(url: str, token: str, **options: Any) -> AsyncIterator[GraphQLWebSocket]:
    """A connection that has sent the token in `connection_init` and got `connection_ack`."""
    async with ws_connect(url, **options) as ws:
        answer = await ws.init({"Authorization": f"Bearer {token}"})
        if answer.get("type") != "connection_ack":
            raise ProtocolError(f"expected connection_ack, got {answer}")
        yield ws
