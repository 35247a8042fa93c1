"""The graphql-transport-ws handler (api/websocket.py) over the real ASGI view, in memory: a
result shared by many subscribers goes out serialised once, yet each subscription still gets its
own id, and a result with errors still takes strawberry's ordinary path."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from strawberry import relay

from api import websocket
from api.graphql import GraphQLApp
from api.websocket import next_frame
from schema.fanout.execution import SharedData
from services import accounts
from services.dispatch import assignments
from subscriptions.hub import EventHub
from tests.dispatch.support import huicheng_order, make_centers, people
from tests.support import SCHEMA

FEED = """subscription ($center: ID!) {
  dispatchFeed(dispatchCenter: $center) { ... on DispatchEvent { type status order { id } } }
}"""


class Connection:
    """One WebSocket client of the ASGI view: what it sends, and every frame it receives."""

    def __init__(self, view: GraphQLApp, hub: EventHub) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.frames: list[str] = []
        self.arrived = asyncio.Event()
        scope = {
            "type": "websocket",
            "path": "/graphql",
            "headers": [(b"sec-websocket-protocol", b"graphql-transport-ws")],
            "subprotocols": ["graphql-transport-ws"],
            "query_string": b"",
            "app": SimpleNamespace(state=SimpleNamespace(hub=hub)),
        }
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(view(scope, self.inbox.get, self._receive))

    async def _receive(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            self.frames.append(message["text"])
            self.arrived.set()

    def say(self, message: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def next_frames(self, count: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(10):
            while len([f for f in self.frames if '"next"' in f or '"error"' in f]) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return [json.loads(f) for f in self.frames if '"next"' in f or '"error"' in f]

    def raw(self, kind: str) -> list[str]:
        return [f for f in self.frames if json.loads(f)["type"] == kind]

    async def close(self) -> None:
        self.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 10)


async def connect(view: GraphQLApp, hub: EventHub, token: str) -> Connection:
    connection = Connection(view, hub)
    connection.say({"type": "connection_init", "payload": {"token": token}})
    async with asyncio.timeout(10):
        while not connection.raw("connection_ack"):
            connection.arrived.clear()
            await connection.arrived.wait()
    return connection


async def token_of(username: str) -> str:
    return (await accounts.login(username, "correct-horse-9")).access_token


async def test_a_shared_result_reaches_each_subscription_under_its_own_id(
    hub: EventHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a dispatcher's connection with two subscriptions to a centre's feed, a second
    # connection of the same dispatcher with one, and a resident who may not subscribe
    centers = await make_centers()
    who = await people()
    view = GraphQLApp(SCHEMA)
    center = str(relay.GlobalID("DispatchCenter", str(centers["district"].id)))
    order_id = await huicheng_order(who["resident"])
    dispatcher = await token_of("dispatcher1")
    first, second = await connect(view, hub, dispatcher), await connect(view, hub, dispatcher)
    refused = await connect(view, hub, await token_of("resident1"))
    shared_frames: list[object] = []

    def counted(operation_id: object, data: SharedData, payload: dict[str, object]) -> str:
        shared_frames.append(operation_id)
        return next_frame(operation_id, data, payload)

    monkeypatch.setattr(websocket, "next_frame", counted)
    before = hub.subscriber_count()
    for connection, ids in ((first, ["a", "b"]), (second, ["c"]), (refused, ["d"])):
        for subscription in ids:
            payload = {"query": FEED, "variables": {"center": center}}
            connection.say({"id": subscription, "type": "subscribe", "payload": payload})
    try:
        for _ in range(500):  # the hub has no event for "attached"
            if hub.subscriber_count() - before == 3:
                break
            await asyncio.sleep(0.02)

        # when the order is assigned
        await assignments.assign(who["dispatcher"], order_id, [who["volunteer_id"]])
        got = {"first": await first.next_frames(2), "second": await second.next_frames(1)}
        denied = await refused.next_frames(1)
    finally:
        for connection in (first, second, refused):
            await connection.close()

    # then every subscription got the event under its own id, as the same JSON value built
    # from one serialisation, and those frames are exactly id, type and payload
    frames = got["first"] + got["second"]
    assert sorted(shared_frames) == ["a", "b", "c"]
    assert sorted(f["id"] for f in frames) == ["a", "b", "c"]
    assert all(list(f) == ["id", "type", "payload"] and f["type"] == "next" for f in frames)
    data = frames[0]["payload"]["data"]["dispatchFeed"]
    assert data["type"] == "ORDER_ASSIGNED"
    assert data["order"]["id"] == str(relay.GlobalID("ServiceOrder", str(order_id)))
    assert all(f["payload"] == frames[0]["payload"] for f in frames)
    # and the refused subscription's errors took strawberry's ordinary path
    assert denied[0]["id"] == "d"
    assert [e["extensions"]["code"] for e in denied[0]["payload"]["errors"]] == ["NOT_PERMITTED"]
