"""Users administration against the real server: a dispatcher's open subscription is cut off
(4403) when an administrator revokes the role or disables the account over HTTP, and what is
left serves a new connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from models.accounts import Role
from subscriptions import events
from tests.conftest import Backend
from tests.dispatch.support import make_centers
from tests.live.test_api_clients import ENV, acked, call, gid, login
from tests.server import ServerProcess
from tests.support import make_user
from tests.ws_client import ws_connect

pytestmark = pytest.mark.server

FEED = """
subscription Feed($center: ID!, $after: String) {
  dispatchFeed(dispatchCenter: $center, after: $after) { cursor }
}"""
REVOKE = """
mutation Revoke($input: UserRoleInput!) {
  revokeRole(input: $input) { user { roles } errors { code } }
}"""
DISABLE = """
mutation Disable($input: UserInput!) {
  disableUser(input: $input) { user { disabled } errors { code } }
}"""


@pytest.fixture
async def server(backend: Backend) -> AsyncIterator[ServerProcess]:
    """A server of the test's own: each test's event ids start again at 1."""
    process = ServerProcess(backend.settings, env=ENV)
    await process.astart()
    try:
        yield process
    finally:
        await asyncio.to_thread(process.close)


@pytest.mark.parametrize("change", ["revokeRole", "disableUser"])
async def test_an_administrators_change_cuts_off_an_open_subscription(
    server: ServerProcess, change: str
) -> None:
    # given a dispatcher following a centre's feed over the real server
    centers = await make_centers()
    center = gid("DispatchCenter", centers["district"].id)
    desk, _ = await make_user("desk.li", Role.RESIDENT, Role.DISPATCHER)
    await make_user("ops.admin", Role.ADMIN)
    token = await login(server, "desk.li")
    after = events.encode_cursor(await events.latest_id())

    async with ws_connect(server.ws_url) as ws:
        await acked(ws, {"token": token})
        await ws.subscribe("feed", FEED, {"center": center, "after": after})

        # when an administrator takes the role, or the account, away over HTTP
        admin = await login(server, "ops.admin")
        started = time.monotonic()
        if change == "revokeRole":
            variables = {"input": {"user": gid("User", desk.id), "role": "DISPATCHER"}}
            done = await call(server, REVOKE, variables, admin)
            assert done["revokeRole"] == {"user": {"roles": ["RESIDENT"]}, "errors": []}
        else:
            done = await call(server, DISABLE, {"input": {"user": gid("User", desk.id)}}, admin)
            assert done["disableUser"] == {"user": {"disabled": True}, "errors": []}

        # then the open connection is closed promptly, with the code clients take as final
        code, reason = await ws.wait_closed(within=10)
        elapsed = time.monotonic() - started
        assert code == 4403, reason
        # (well under a second; the bound leaves room for a loaded test machine)
        assert elapsed < 8

    if change == "revokeRole":
        # and a new connection with the same token is the resident that is left
        async with ws_connect(server.ws_url) as again:
            await acked(again, {"token": token})
            await again.subscribe("feed", FEED, {"center": center})
            refused = await again.receive()
            assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_PERMITTED"
    else:
        # and the token opens nothing any more
        async with ws_connect(server.ws_url) as again:
            await again.send({"type": "connection_init", "payload": {"token": token}})
            code, _ = await again.wait_closed(within=10)
            assert code == 4403
    assert "Traceback" not in server.log_text(), server.log_tail()
