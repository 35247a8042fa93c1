"""Authentication: the bearer header of HTTP requests, and the `connection_init` credential of
WebSocket connections, turned into a `Principal`.

Every WebSocket connection is watched for as long as it is open. An app's is closed with 4403
(which graphql-ws clients take as final, not as a reason to reconnect) when its key is revoked,
rotated away or reaches the end of its grace period; a person's when their account is disabled,
their password reset, or one of their roles revoked (services/accounts/users.py). The watcher
learns of these from the event log (they are events under the client's or the user's topic), so
it is prompt on every process; it reads the credential again only then, at the end of a grace
period, and once a minute in case it missed something."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from schema.api_clients.recheck import ws_credential
from schema.core.context import Context
from services.accounts import authenticate, connection_principal, token_claims
from services.accounts.users import user_topic
from services.api_clients import api_client_topic, check_key, is_api_key
from services.common.principal import ANONYMOUS, Principal
from subscriptions import events
from subscriptions.hub import EventHub

CREDENTIAL_STOPPED_CLOSE_CODE = 4403
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
    """The principal of a WebSocket's `connection_init`, or None to reject it. The connection
    is then watched until it closes: an app's for its key, a person's for their account."""
    credential = ws_credential(context.connection_params)
    # A token that is not even ours costs no read at all.
    if not credential or (
        not is_api_key(credential) and token_claims(credential, "access") is None
    ):
        return None
    # Read before the check: a change committed after it is an event after this cursor.
    cursor = await events.latest_id()
    if is_api_key(credential):
        checked = await check_key(credential)
        if checked is None:
            return None
        principal, expires_at = checked.principal, checked.expires_at
        topic = api_client_topic(checked.principal.api_client_id or 0)
        recheck = _key_recheck(credential)
    else:
        found = await authenticate(credential)
        if found is None or found.user_id is None:
            return None
        principal, expires_at = found, None
        topic = user_topic(found.user_id)
        recheck = _account_recheck(context, credential)
    if isinstance(context.request, WebSocket):
        await _start_watch(context, context.request, topic, cursor, recheck, expires_at)
    return principal


# What a watcher learns when it checks again: why to close the connection (None: keep it), and
# when to check next at the latest (a rotated key's end of grace).
Recheck = Callable[[], Awaitable[tuple[str | None, datetime | None]]]


def _key_recheck(credential: str) -> Recheck:
    async def recheck() -> tuple[str | None, datetime | None]:
        checked = await check_key(credential)
        if checked is None:
            return "API key revoked or expired", None
        return None, checked.expires_at

    return recheck


def _account_recheck(context: Context, credential: str) -> Recheck:
    """A person's connection keeps the roles it had: losing one (or the account, or the
    session) closes it, and the client connects again with what is left; a role gained is
    taken into use by the operations started from then on."""

    async def recheck() -> tuple[str | None, datetime | None]:
        now = await connection_principal(credential)
        if now is None:
            return "the account was disabled or signed out", None
        if not now.roles >= context.principal.roles:
            return "a role of the account was revoked", None
        context.principal = now
        return None, None

    return recheck


async def _start_watch(
    context: Context,
    websocket: WebSocket,
    topic: str,
    cursor: int,
    recheck: Recheck,
    expires_at: datetime | None,
) -> None:
    changed = asyncio.Event()
    listener: asyncio.Task[None] | None = None
    if context.hub is not None:
        listener = asyncio.create_task(_listen(context.hub, topic, cursor, changed))
        # One step of the listener attaches it to the hub (before its first read), so that the
        # connection is watched by the time it is acknowledged.
        await asyncio.sleep(0)
    task = asyncio.create_task(_watch(context, websocket, recheck, expires_at, changed, listener))
    _watchers.add(task)
    task.add_done_callback(_watchers.discard)


async def _listen(hub: EventHub, topic: str, cursor: int, changed: asyncio.Event) -> None:
    async for _ in hub.stream(topic, cursor):
        changed.set()


def _open(websocket: WebSocket) -> bool:
    return (
        websocket.client_state == WebSocketState.CONNECTED
        and websocket.application_state == WebSocketState.CONNECTED
    )


async def _watch(
    context: Context,
    websocket: WebSocket,
    recheck: Recheck,
    expires_at: datetime | None,
    changed: asyncio.Event,
    listener: asyncio.Task[None] | None,
) -> None:
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
            reason, expires_at = await recheck()
            if reason is not None:
                context.principal = ANONYMOUS
                with contextlib.suppress(Exception):
                    await websocket.close(CREDENTIAL_STOPPED_CLOSE_CODE, reason)
                return
    finally:
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
