"""Authentication: the bearer header of HTTP requests, and the `connection_init` credential of
WebSocket connections, turned into a `Principal`.

An app's WebSocket connection is watched for as long as it is open: when its key is revoked,
rotated away or reaches the end of its grace period, the connection is closed with 4403 (which
graphql-ws clients take as final, not as a reason to reconnect). The watcher learns of
revocations from the event log (they are events under the client's topic), so it is prompt on
every process; it reads the key again only then, at the end of a grace period, and once a
minute in case it missed something."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from schema.api_clients.recheck import ws_credential
from schema.core.context import Context
from services.accounts import authenticate
from services.api_clients import KeyCheck, api_client_topic, check_key, is_api_key
from services.common.principal import ANONYMOUS, Principal
from subscriptions import events

KEY_STOPPED_CLOSE_CODE = 4403
# How often a watcher looks whether its connection is still open (a local check, no I/O), and
# how often it checks the key anyway, should it have missed an event (one indexed read).
_WATCH_TICK_SECONDS = 5.0
_RECHECK_SECONDS = 60.0
_watchers: set[asyncio.Task[None]] = set()


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def principal_of(connection: HTTPConnection) -> Principal:
    principal = connection.scope.get("state", {}).get("principal")
    return principal if isinstance(principal, Principal) else ANONYMOUS


class BearerAuthMiddleware:
    """Sets `scope["state"]["principal"]` for HTTP requests. A credential that is present but
    wrong, expired or revoked is answered 401 at once: serving it as anonymous would hide the
    client's bug. WebSocket connections authenticate in `connection_init` instead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        token = bearer_token(connection)
        principal = await authenticate(token) if token else ANONYMOUS
        if principal is None:
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": "The bearer token is invalid, expired or revoked.",
                            "extensions": {"code": "NOT_AUTHENTICATED"},
                        }
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def authenticate_websocket(context: Context) -> Principal | None:
    """The principal of a WebSocket's `connection_init`, or None to reject it. An app's
    connection is then watched until it closes."""
    credential = ws_credential(context.connection_params)
    if not credential:
        return None
    if not is_api_key(credential):
        return await authenticate(credential)
    # Read before the check: a revocation committed after it is an event after this cursor.
    cursor = await events.latest_id()
    checked = await check_key(credential)
    if checked is None:
        return None
    if isinstance(context.request, WebSocket):
        watch = _watch(context, context.request, credential, checked, cursor)
        task = asyncio.create_task(watch)
        _watchers.add(task)
        task.add_done_callback(_watchers.discard)
    return checked.principal


def _open(websocket: WebSocket) -> bool:
    return (
        websocket.client_state == WebSocketState.CONNECTED
        and websocket.application_state == WebSocketState.CONNECTED
    )


async def _watch(
    context: Context, websocket: WebSocket, credential: str, key: KeyCheck, cursor: int
) -> None:
    changed = asyncio.Event()

    async def listen() -> None:
        assert context.hub is not None and key.principal.api_client_id is not None
        topic = api_client_topic(key.principal.api_client_id)
        async for _ in context.hub.stream(topic, cursor):
            changed.set()

    listener = asyncio.create_task(listen()) if context.hub is not None else None
    expires_at = key.expires_at
    checked_at = time.monotonic()
    try:
        while _open(websocket):
            wait = _WATCH_TICK_SECONDS
            if expires_at is not None:
                wait = min(wait, max(0.0, (expires_at - datetime.now(UTC)).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), wait)
            expired = expires_at is not None and datetime.now(UTC) >= expires_at
            stale = time.monotonic() - checked_at >= _RECHECK_SECONDS
            if not _open(websocket) or not (changed.is_set() or expired or stale):
                continue
            changed.clear()
            checked_at = time.monotonic()
            checked = await check_key(credential)
            if checked is None:
                context.principal = ANONYMOUS
                with contextlib.suppress(Exception):
                    await websocket.close(KEY_STOPPED_CLOSE_CODE, "API key revoked or expired")
                return
            expires_at = checked.expires_at
    finally:
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
