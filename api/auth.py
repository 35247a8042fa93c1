"""Bearer authentication for HTTP: one place turns the header into a `Principal`."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.accounts import authenticate
from services.principal import ANONYMOUS, Principal


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
