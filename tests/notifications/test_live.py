"""Notifications end to end on the real server (its lifespan runs the worker): an assignment
made while the server is down reaches the volunteer's inbox live over WebSocket, a real local
SMTP server and a local SMS provider once each after it starts again, and not again after a
further restart. Over HTTP and WebSocket, nobody sees another user's notifications."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from models.accounts import Role
from models.notifications import NotificationDelivery, SendStatus
from services.dispatch import assignments
from subscriptions import events
from tests.conftest import Backend
from tests.dispatch.support import huicheng_order, make_centers
from tests.notifications.receivers import SMS_KEY, sms_provider, smtp_server
from tests.server import ServerProcess
from tests.support import make_user, make_volunteer
from tests.ws_client import authenticated

pytestmark = pytest.mark.server

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) { token }
}"""
PREFER = """
mutation Prefer($input: SetNotificationPreferenceInput!) {
  setNotificationPreference(input: $input) { preference { address } errors { code } }
}"""
INBOX = "{ notifications { totalCount nodes { id kind } } }"
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
MINE = """
subscription Mine($after: String) {
  myNotifications(after: $after) { cursor notification { id kind subjectId } }
}"""


async def call(
    server: ServerProcess, document: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.post(
            server.graphql_url, json={"query": document, "variables": variables}, headers=headers
        )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


async def token_of(server: ServerProcess, username: str) -> str:
    login = await call(server, LOGIN, {"username": username, "password": PASSWORD})
    return str(login["login"]["token"])


async def test_an_assignment_reaches_inbox_mail_and_sms_once_across_restarts(
    backend: Backend,
) -> None:
    await make_centers()
    _, resident = await make_user("resident1", Role.RESIDENT)
    _, dispatcher = await make_user("dispatcher1", Role.DISPATCHER)
    await make_user("stranger", Role.RESIDENT)
    _, _, volunteer_id = await make_volunteer("volunteer1")
    with smtp_server() as (mailbox, smtp_port):
        async with sms_provider() as sms:
            env = {
                "NOTIFICATION_POLL_SECONDS": "0.1",
                # No quiet hours, whenever the test runs.
                "NOTIFICATION_QUIET_START_HOUR": "0",
                "NOTIFICATION_QUIET_END_HOUR": "0",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "SMTP_STARTTLS": "false",
                "SMS_API_URL": sms.url,
                "SMS_API_KEY": SMS_KEY,
                "HUB_HEARTBEAT_SECONDS": "1",
                "BUS_CHANNEL_PREFIX": f"vc-notify-{uuid.uuid4().hex[:8]}",
            }
            server = ServerProcess(backend.settings, env=env)
            await server.astart()
            try:
                volunteer = await token_of(server, "volunteer1")
                stranger = await token_of(server, "stranger")
                prefer = {"channel": "EMAIL", "enabled": True, "address": "chen@example.org"}
                made = await call(server, PREFER, {"input": prefer}, volunteer)
                assert made["setNotificationPreference"]["errors"] == []
                after = events.encode_cursor(await events.latest_id())

                # The assignment is made while the server is down
                await server.astop()
                order_id = await huicheng_order(resident)
                await assignments.assign(dispatcher, order_id, [volunteer_id])
                await server.astart()

                async with authenticated(server.ws_url, volunteer) as ws:
                    await ws.subscribe("mine", MINE, {"after": after})
                    live = (await ws.next_data("mine", within=20))["myNotifications"]
                assert live["notification"]["kind"] == "ORDER_ASSIGNED"
                await mailbox.wait_for(1, within=20)
                await sms.wait_for(1, within=20)

                # Restarted once more, nothing is sent again
                await server.astop()
                await server.astart()
                await asyncio.sleep(2)
                assert [m["To"] for m in mailbox.messages] == ["chen@example.org"]
                assert [r["to"] for r in sms.received] == ["13800138000"]
                rows = await NotificationDelivery.all()
                assert sorted(r.status for r in rows) == [SendStatus.SENT, SendStatus.SENT]

                # Nobody else sees it: over HTTP (list and node) and WebSocket
                theirs = (await call(server, INBOX, {}, stranger))["notifications"]
                assert theirs == {"totalCount": 0, "nodes": []}
                node = await call(server, NODE, {"id": live["notification"]["id"]}, stranger)
                assert node["node"] is None
                async with authenticated(server.ws_url, stranger) as ws:
                    await ws.subscribe("mine", MINE, {"after": after})
                    with pytest.raises(TimeoutError):
                        await ws.next_data("mine", within=2.5)
            finally:
                await server.astop()
                server.close()
