"""What an administrator takes away ends open WebSocket connections too, in-process over the real
ASGI view: a disabled account's or a revoked role's connection is closed with 4403 as soon as
the change commits; a role granted is used by the operations started afterwards."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from strawberry import relay

from api.graphql import GraphQLApp
from models.accounts import Role, User
from services import accounts
from services.accounts import users
from subscriptions.hub import EventHub
from tests.dispatch.support import make_centers
from tests.fanout.test_websocket_frames import Connection
from tests.support import SCHEMA, make_user

PASSWORD = "correct-horse-9"
FEED = """subscription ($center: ID!) {
  dispatchFeed(dispatchCenter: $center) { ... on DispatchEvent { type } }
}"""
GRANT = 'mutation { grantRole(input: {user: "$USER", role: VOLUNTEER}) { errors { code } } }'
DISPATCHERS_ONLY = "query { insurancePolicies { totalCount } }"


class Watched(Connection):
    """A connection that also records how the server closed it."""

    def __init__(self, view: GraphQLApp, hub: EventHub) -> None:
        self.closed: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        super().__init__(view, hub)

    async def _receive(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.close" and not self.closed.done():
            self.closed.set_result((message.get("code", 1000), message.get("reason") or ""))
        await super()._receive(message)

    async def acked(self, token: str) -> None:
        self.say({"type": "connection_init", "payload": {"token": token}})
        async with asyncio.timeout(10):
            while not self.raw("connection_ack"):
                self.arrived.clear()
                await self.arrived.wait()


async def _connected(hub: EventHub, username: str) -> Watched:
    connection = Watched(GraphQLApp(SCHEMA), hub)
    await connection.acked((await accounts.login(username, PASSWORD)).access_token)
    return connection


async def _centre() -> str:
    centers = await make_centers()
    return str(relay.GlobalID("DispatchCenter", str(centers["district"].id)))


async def _following(hub: EventHub, center: str) -> Watched:
    connection = await _connected(hub, "desk.li")
    before = hub.subscriber_count()
    payload = {"query": FEED, "variables": {"center": center}}
    connection.say({"id": "feed", "type": "subscribe", "payload": payload})
    for _ in range(200):
        if hub.subscriber_count() > before:
            break
        await asyncio.sleep(0.02)
    return connection


async def test_disabling_an_account_closes_its_open_subscriptions(hub: EventHub) -> None:
    # given a dispatcher following a centre's feed
    target, _ = await make_user("desk.li", Role.DISPATCHER)
    _, boss = await make_user("wang.admin", Role.ADMIN)
    connection = await _following(hub, await _centre())

    # when an administrator disables the account
    await users.disable(boss, target.id)

    # then the connection is closed at once, with the code clients take as final
    code, reason = await asyncio.wait_for(connection.closed, 5)
    assert (code, reason) == (4403, "the account was disabled or signed out")
    await connection.close()


async def test_revoking_a_role_closes_the_connection_that_had_it(hub: EventHub) -> None:
    target, _ = await make_user("desk.li", Role.RESIDENT, Role.DISPATCHER)
    _, boss = await make_user("wang.admin", Role.ADMIN)
    center = await _centre()
    connection = await _following(hub, center)

    await users.revoke_role(boss, target.id, Role.DISPATCHER)

    code, reason = await asyncio.wait_for(connection.closed, 5)
    assert (code, reason) == (4403, "a role of the account was revoked")
    await connection.close()
    # and a new connection has what is left: the feed is refused
    again = await _following(hub, center)
    frames = await again.next_frames(1)
    assert frames[0]["payload"]["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"
    await again.close()


async def test_a_granted_role_serves_the_next_operation_and_keeps_the_connection(
    hub: EventHub,
) -> None:
    # given a resident's connection, refused what dispatchers read
    target, _ = await make_user("desk.li")
    _, boss = await make_user("wang.admin", Role.ADMIN)
    connection = await _connected(hub, "desk.li")
    assert _codes(await _ask(connection, "before")) == ["NOT_PERMITTED"]

    # when an administrator makes the person a dispatcher too
    await users.grant_role(boss, target.id, Role.DISPATCHER)
    # (a change to an unrelated account is not this connection's business)
    other, _ = await make_user("zhang.san")
    await users.disable(boss, other.id)

    # then the connection stays open and, once it has heard, its operations have the role
    for attempt in range(100):
        answer = await _ask(connection, f"after{attempt}")
        if not _codes(answer):
            break
        await asyncio.sleep(0.02)
    assert answer["payload"]["data"] == {"insurancePolicies": {"totalCount": 0}}
    assert not connection.closed.done()
    await connection.close()


def _codes(frame: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in frame["payload"].get("errors", [])]


async def _ask(
    connection: Watched, operation_id: str, document: str = DISPATCHERS_ONLY
) -> dict[str, Any]:
    """Runs an operation over the connection; its one `next` frame."""
    payload = {"query": document}
    connection.say({"id": operation_id, "type": "subscribe", "payload": payload})
    async with asyncio.timeout(10):
        while True:
            for frame in map(json.loads, connection.frames):
                if frame.get("id") == operation_id and frame["type"] == "next":
                    return frame  # type: ignore[no-any-return]
            connection.arrived.clear()
            await connection.arrived.wait()


async def test_over_the_websocket_only_an_administrator_administers_users(hub: EventHub) -> None:
    target, _ = await make_user("desk.li", Role.DISPATCHER)
    await make_user("wang.admin", Role.ADMIN)
    user = str(relay.GlobalID("User", str(target.id)))
    documents = [
        "query { users { totalCount } }",
        GRANT.replace("$USER", user),
    ]
    refused = await _connected(hub, "desk.li")
    admin = await _connected(hub, "wang.admin")
    for n, document in enumerate(documents):
        assert _codes(await _ask(refused, f"r{n}", document)) == ["NOT_PERMITTED"]
        assert _codes(await _ask(admin, f"a{n}", document)) == []
    await refused.close()
    await admin.close()
    assert (await User.get(id=target.id)).roles == ["DISPATCHER", "VOLUNTEER"]
