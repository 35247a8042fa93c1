"""API keys against the real server: an app subscribes over WebSocket with its key, and its
connection is closed (4403) as soon as the key stops working — revoked through the API, or
rotated with a grace period that then runs out — while HTTP refuses the key at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from strawberry import relay

from models.accounts import Role
from models.geography import District
from services import api_clients
from services.common.principal import Scope
from subscriptions import events
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.server import ServerProcess
from tests.support import make_user
from tests.ws_client import GraphQLWebSocket, ws_connect

pytestmark = pytest.mark.server

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token }
}"""
SUBMIT = """
mutation Submit($input: SubmitOrderInput!) {
  submitOrder(input: $input) { order { id } errors { code } }
}"""
REVOKE = """
mutation Revoke($input: RevokeApiClientInput!) {
  revokeApiClient(input: $input) { apiClient { enabled } errors { code } }
}"""
FEED = """
subscription Feed($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) {
    cursor ... on DispatchEvent { type orderId }
  }
}"""
DISTRICTS = "query { districts { code } }"
ENV = {"HUB_HEARTBEAT_SECONDS": "1", "BUS_CHANNEL_PREFIX": f"vc-keys-{uuid.uuid4().hex[:8]}"}


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


@pytest.fixture
async def server(backend: Backend) -> AsyncIterator[ServerProcess]:
    """A server of the test's own: each test's event ids start again at 1."""
    process = ServerProcess(backend.settings, env=ENV)
    await process.astart()
    try:
        yield process
    finally:
        await asyncio.to_thread(process.close)


async def post(
    server: ServerProcess, document: str, variables: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=15) as http:
        return await http.post(
            server.graphql_url, json={"query": document, "variables": variables}, headers=headers
        )


async def call(
    server: ServerProcess, document: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    response = await post(server, document, variables, token)
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


async def login(server: ServerProcess, username: str) -> str:
    token: str = (await call(server, LOGIN, {"username": username, "password": PASSWORD}))["login"][
        "token"
    ]
    return token


async def submit(server: ServerProcess, token: str) -> str:
    district = await District.get(code="HUICHENG")
    start = datetime.now(UTC) + timedelta(hours=2)
    order = {
        "category": "ELDERLY_CARE",
        "description": "Accompany grandma to the hospital",
        "address": "惠城区江北文昌一路 8 号",
        "location": {"lat": 23.0837, "lng": 114.3828},
        "district": gid("District", district.id),
        "windowStart": start.isoformat(),
        "windowEnd": (start + timedelta(hours=2)).isoformat(),
    }
    data = await call(server, SUBMIT, {"input": order}, token)
    assert data["submitOrder"]["errors"] == [], data
    order_id: str = data["submitOrder"]["order"]["id"]
    return order_id


async def acked(ws: GraphQLWebSocket, payload: dict[str, Any]) -> None:
    answer = await ws.init(payload)
    assert answer == {"type": "connection_ack"}, answer


async def test_an_app_follows_a_centre_with_its_key_and_is_cut_off_when_revoked(
    server: ServerProcess,
) -> None:
    # given a centre, a resident, an admin and an app with the dispatch scope
    centers = await make_centers()
    center = gid("DispatchCenter", centers["district"].id)
    await make_user("resident1", Role.RESIDENT)
    await make_user("ops.admin", Role.ADMIN)
    client, key = await api_clients.create_api_client("district wall app", [Scope.DISPATCH])
    _, reader_key = await api_clients.create_api_client("reader", [Scope.READ])
    after = events.encode_cursor(await events.latest_id())

    async with ws_connect(server.ws_url) as ws, ws_connect(server.ws_url) as reader:
        # when the app subscribes with its key in connection_init
        await acked(ws, {"apiKey": key})
        await ws.subscribe("feed", FEED, {"center": center, "after": after})
        order = await submit(server, await login(server, "resident1"))

        # then it receives the centre's events
        event = (await ws.next_data("feed"))["dispatchFeed"]
        assert (event["type"], event["orderId"]) == ("ORDER_SUBMITTED", order)

        # and an app without the dispatch scope is refused the subscription
        await acked(reader, {"Authorization": f"Bearer {reader_key}"})
        await reader.subscribe("feed", FEED, {"center": center})
        refused = await reader.receive()
        assert refused["type"] == "next", refused
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"

        # when an admin revokes the app
        admin = await login(server, "ops.admin")
        started = time.monotonic()
        revoked = await call(
            server, REVOKE, {"input": {"apiClient": gid("ApiClient", client.id)}}, admin
        )
        assert revoked["revokeApiClient"] == {"apiClient": {"enabled": False}, "errors": []}

        # then its open connection is closed promptly, with a code clients take as final
        code, reason = await ws.wait_closed(within=10)
        assert code == 4403 and "revoked" in reason
        # (it takes well under a second; the bound leaves room for a loaded test machine)
        assert time.monotonic() - started < 8

    # and the key opens nothing any more, over HTTP or WebSocket
    response = await post(server, DISTRICTS, {}, key)
    assert response.status_code == 401
    async with ws_connect(server.ws_url) as again:
        await again.send({"type": "connection_init", "payload": {"apiKey": key}})
        code, _ = await again.wait_closed(within=10)
        assert code == 4403
    # closing a connection from outside its handler left nothing behind in the log
    assert "Traceback" not in server.log_text(), server.log_tail()


async def test_a_rotated_keys_connection_lasts_until_its_grace_period_ends(
    server: ServerProcess,
) -> None:
    # given an app connected with its key
    client, old = await api_clients.create_api_client("mini program", [Scope.READ])
    async with ws_connect(server.ws_url) as ws:
        await acked(ws, {"apiKey": old})

        # when its key is rotated (by another process) with three seconds of grace
        _, new = await api_clients.rotate_key(client.id, 3)
        started = time.monotonic()

        # then the old key's connection stays open through the grace period, then is closed
        with pytest.raises(TimeoutError):
            await ws.receive(within=1.5)
        code, _ = await ws.wait_closed(within=10)
        assert code == 4403
        assert time.monotonic() - started >= 2.5

    # and the new key connects (as a bearer credential too) and works over HTTP
    async with ws_connect(server.ws_url) as fresh:
        await acked(fresh, {"Authorization": f"Bearer {new}"})
    assert (await post(server, DISTRICTS, {}, new)).status_code == 200
    assert (await post(server, DISTRICTS, {}, old)).status_code == 401
    assert "Traceback" not in server.log_text(), server.log_tail()
