"""Real local endpoints for the notification channels: an SMTP server (aiosmtpd, in a thread of
its own) that keeps every message it accepts, and an SMS provider's HTTP API (Starlette on
uvicorn, in the test's loop) that checks the documented request format and answers as the test
scripts it."""

from __future__ import annotations

import asyncio
import email
import json
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.server import free_port, serving

SMS_KEY = "test-sms-key"


@dataclass
class Mailbox:
    """aiosmtpd's handler: every accepted message, parsed."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, count: int, within: float = 15.0) -> list[Message]:
        async with asyncio.timeout(within):
            # Filled from aiosmtpd's own thread and loop, which cannot set our events.
            while len(self.messages) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return self.messages


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class SmsProvider:
    port: int = field(default_factory=free_port)
    # Requests in the documented format (bearer key, JSON body, Idempotency-Key).
    received: list[dict[str, Any]] = field(default_factory=list)
    # Status codes for the next requests (then 200).
    script: deque[int] = field(default_factory=deque)
    answered: list[int] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    async def _send(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {SMS_KEY}":
            return JSONResponse({"error": "bad key"}, status_code=401)
        body = json.loads(await request.body())
        assert set(body) == {"to", "text", "sender", "reference"}, body
        assert request.headers["idempotency-key"] == body["reference"]
        status = self.script.popleft() if self.script else 200
        self.answered.append(status)
        if status != 200:
            return JSONResponse({"error": "try later"}, status_code=status)
        self.received.append(body)
        self._arrived.set()
        return JSONResponse({"id": f"msg-{len(self.received)}", "status": "queued"})

    async def wait_for(self, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(within):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/sms", self._send, methods=["POST"])])


@asynccontextmanager
async def sms_provider() -> AsyncIterator[SmsProvider]:
    provider = SmsProvider()
    async with serving(provider.app(), provider.port):
        yield provider
