"""A webhook receiver for tests: a small Starlette app served by uvicorn on a free port of this
machine, in the test's own event loop. It checks every request's signature with the secrets it
was given, and answers as the test scripts it: 200, 500, too late (a timeout), or a redirect
back to itself (which must not be followed)."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from services.webhooks.signing import SIGNATURE_HEADER, verify
from tests.server import free_port, serving

OK, FAIL, SLOW, REDIRECT = "ok", "fail", "slow", "redirect"


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    signature_valid: bool
    answered: str
    raw: bytes = b""
    # Verified by the Standard Webhooks library, as a receiver would.
    standard_valid: bool = False

    @property
    def event_id(self) -> int:
        return int(self.body["id"])

    @property
    def delivery_id(self) -> str:
        return self.headers["vc-delivery-id"]


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    # Webhook global ID -> signing secret, filled in by the test once it has them.
    secrets: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    # How to answer the next requests (then `default`); SLOW sleeps for `slow_seconds`.
    script: deque[str] = field(default_factory=deque)
    default: str = OK
    slow_seconds: float = 3.0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answered(self, how: str = OK) -> list[Received]:
        return [r for r in self.received if r.answered == how]

    def event_ids(self, how: str = OK) -> list[int]:
        return [r.event_id for r in self.answered(how)]

    async def wait_for(self, count: int, how: str = OK, within: float = 30.0) -> list[Received]:
        """Waits until `count` requests were answered `how`."""
        async with asyncio.timeout(within):
            while len(self.answered(how)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.answered(how)

    async def _hook(self, request: Request) -> Response:
        raw = await request.body()
        secret = self.secrets.get(request.headers.get("vc-webhook-id", ""), "")
        valid = bool(secret) and verify(secret, request.headers.get(SIGNATURE_HEADER, ""), raw)
        how = self.script.popleft() if self.script else self.default
        standard = bool(secret) and _standard_valid(secret, dict(request.headers), raw)
        self.received.append(
            Received(dict(request.headers), json.loads(raw), valid, how, raw, standard)
        )
        self._arrived.set()
        if how == SLOW:
            await asyncio.sleep(self.slow_seconds)
        if how == FAIL:
            return PlainTextResponse("down for maintenance", status_code=500)
        if how == REDIRECT:
            # 307 keeps the method and body: followed, it would arrive here a second time.
            return RedirectResponse(str(request.url), status_code=307)
        return PlainTextResponse("thanks")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])


def _standard_valid(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    try:
        Webhook(secret).verify(raw, headers)
    except WebhookVerificationError:
        return False
    return True


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    async with serving(receiver.app(), receiver.port):
        yield receiver
