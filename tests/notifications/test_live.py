"""Notifications end to end on the real server (its lifespan runs the worker): an assignment
made while the server is down reaches the volunteer's inbox over WebSocket, a real local SMTP
server and a local SMS provider once each after it starts again, and not again after a further
restart; one made while the volunteer is subscribed arrives live, and a restart right after it
sends it once. Over HTTP and WebSocket, nobody sees another user's notifications. And a
certificate: served, requested, issued, its PDF and /verify/<code>, then revoked, the volunteer
told of both by e-mail and SMS once each across a restart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from io import BytesIO
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from strawberry import relay

from models.accounts import Role
from models.notifications import NotificationDelivery, SendStatus
from services.certificates.records import CITY_ZONE
from services.dispatch import assignments
from subscriptions import events
from tests.certificates.support import serve, world
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

                # Live: subscribed when the next assignment is made, the volunteer sees it at
                # once; the server restarted as soon as it arrives (before or after sending)
                # still sends one e-mail and one SMS of it
                async with authenticated(server.ws_url, volunteer) as ws:
                    await ws.subscribe("mine", MINE, {"after": live["cursor"]})
                    second = await huicheng_order(resident, hours_from_now=30)
                    await assignments.assign(dispatcher, second, [volunteer_id])
                    pushed = (await ws.next_data("mine", within=20))["myNotifications"]
                assert pushed["notification"]["kind"] == "ORDER_ASSIGNED"
                assert pushed["notification"]["subjectId"] == str(
                    relay.GlobalID("ServiceOrder", str(second))
                )
                await server.astop()
                await server.astart()
                await mailbox.wait_for(2, within=20)
                await sms.wait_for(2, within=20)
                await asyncio.sleep(2)
                assert [m["To"] for m in mailbox.messages] == ["chen@example.org"] * 2
                assert [r["to"] for r in sms.received] == ["13800138000"] * 2
                assert len({r["reference"] for r in sms.received}) == 2
                inbox = (await call(server, INBOX, {}, volunteer))["notifications"]
                assert [n["kind"] for n in inbox["nodes"]] == ["ORDER_ASSIGNED"] * 2

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


CERT_REQUEST = """
mutation ($input: RequestCertificateInput!) {
  requestCertificate(input: $input) { certificates { id } errors { code } }
}"""
CERT_ISSUE = """
mutation ($input: IssueCertificateInput!) {
  issueCertificate(input: $input) {
    certificate { number verificationCode pdfUrl verificationUrl } errors { code }
  }
}"""
CERT_REVOKE = """
mutation ($input: RevokeCertificateInput!) {
  revokeCertificate(input: $input) { certificate { status } errors { code } }
}"""


def body_of(message: Any) -> str:
    return str(message.get_payload(decode=True).decode())


def subject_of(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def test_a_certificate_served_requested_issued_verified_and_revoked_on_the_real_server(
    backend: Backend,
) -> None:
    w = await world()
    await serve(w, w.organization_id)
    today = datetime.now(CITY_ZONE).date()
    period = {"periodStart": (today - timedelta(days=7)).isoformat(), "periodEnd": str(today)}
    with smtp_server() as (mailbox, smtp_port):
        async with sms_provider() as sms:
            env = {
                "NOTIFICATION_POLL_SECONDS": "0.1",
                "NOTIFICATION_QUIET_START_HOUR": "0",
                "NOTIFICATION_QUIET_END_HOUR": "0",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "SMTP_STARTTLS": "false",
                "SMS_API_URL": sms.url,
                "SMS_API_KEY": SMS_KEY,
                "PUBLIC_BASE_URL": "https://volunteer.huizhou.gov.cn",
                "BUS_CHANNEL_PREFIX": f"vc-cert-{uuid.uuid4().hex[:8]}",
            }
            server = ServerProcess(backend.settings, env=env)
            await server.astart()
            try:
                # The assignment of the service is told first (by SMS to the registered phone;
                # no e-mail address yet), so that what follows is about the certificate only
                await sms.wait_for(1, within=20)
                chen, boss = await token_of(server, "chen"), await token_of(server, "boss")
                prefer = {"channel": "EMAIL", "enabled": True, "address": "chen@example.org"}
                await call(server, PREFER, {"input": prefer}, chen)
                asked = await call(server, CERT_REQUEST, {"input": period}, chen)
                (requested,) = asked["requestCertificate"]["certificates"]
                issue = {
                    "certificate": requested["id"],
                    "personInCharge": "李负责",
                    "contact": "0752-2345678",
                }
                made = (await call(server, CERT_ISSUE, {"input": issue}, boss))["issueCertificate"]
                assert made["errors"] == []
                certificate = made["certificate"]
                code, number = certificate["verificationCode"], certificate["number"]
                assert certificate["verificationUrl"] == (
                    f"https://volunteer.huizhou.gov.cn/verify/{code}"
                )
                async with httpx.AsyncClient(base_url=server.url, timeout=15) as http:
                    pdf = await http.get(
                        certificate["pdfUrl"], headers={"authorization": f"Bearer {chen}"}
                    )
                    assert pdf.status_code == 200
                    text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
                    assert number in text and code in text and "陈" in text
                    page = await http.get(f"/verify/{code}")
                    assert page.status_code == 200 and "有效 VALID" in page.text

                    # Told by e-mail and SMS of the issue, once, across a restart
                    await mailbox.wait_for(1, within=20)
                    await server.astop()
                    await server.astart()
                    revoke = {"certificate": requested["id"], "reason": "服务时长登记有误"}
                    revoked = await call(server, CERT_REVOKE, {"input": revoke}, boss)
                    assert revoked["revokeCertificate"]["certificate"]["status"] == "REVOKED"
                    page = await http.get(f"/verify/{code}")
                    assert "已撤销 REVOKED" in page.text
                await mailbox.wait_for(2, within=20)
                await sms.wait_for(3, within=20)
                await asyncio.sleep(2)
                mails = mailbox.to("chen@example.org")
                assert [subject_of(m) for m in mails] == [
                    "证明已出具 Certificate issued",
                    "证明已撤销 Certificate revoked",
                ]
                assert number in body_of(mails[0]) and "服务时长登记有误" in body_of(mails[1])
                assert [r["to"] for r in sms.received] == ["13800138000"] * 3
                assert all("证明" in r["text"] for r in sms.received[1:])
            finally:
                await server.astop()
                server.close()
