"""The GraphQL endpoint: strawberry's ASGI view with our context and HTTP content negotiation."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

from api.auth import authenticate_websocket, principal_of
from api.ratelimit import UploadBudget
from api.websocket import FanoutTransportWSHandler
from schema.core.context import Context

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
GRAPHIQL_PAGE = Path(__file__).with_name("static") / "graphiql" / "graphiql.html"
# A multipart POST is a "simple" request that any web page may send cross-site without a CORS
# preflight, with the victim's cookies. Requiring one of these (non-simple) headers forces the
# preflight, which a foreign origin fails. The second is what Apollo's upload clients send.
CSRF_HEADERS = ("x-graphql-csrf", "apollo-require-preflight")


@cache
def _graphiql_page() -> str:
    """GraphiQL with every asset served from /static (see scripts/vendor-graphiql.sh)."""
    return GRAPHIQL_PAGE.read_text(encoding="utf-8")


def _wants_graphql_response_json(accept: str) -> bool:
    """The GraphQL-over-HTTP spec's media type, when the client asks for it before (or
    instead of) plain JSON. A client that accepts both equally gets the new one."""
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media in (GRAPHQL_RESPONSE_JSON, "application/json", "*/*", "application/*"):
            rank = (quality, "1" if media == GRAPHQL_RESPONSE_JSON else "0")
            if best is None or rank > best:
                best = rank
    return best is not None and best[1] == "1" and best[0] > 0


def _never_executed(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion errors stop a request before any field runs.
    A field error that nulls the whole of `data` is different: its errors carry a path."""
    if result.data is not None or not result.errors:
        return False
    return isinstance(result, PreExecutionError) or all(e.path is None for e in result.errors)


class GraphQLApp(GraphQL[Context, None]):
    # Subscription results shared by many subscribers are serialised once (api/websocket.py).
    graphql_transport_ws_handler_class = FanoutTransportWSHandler
    # The largest multipart request read at all (app.py sets it from MAX_PHOTO_BYTES).
    max_upload_bytes: int = 3 * 8 * 1024 * 1024 + 1024 * 1024
    # Uploads per client IP (app.py sets it); None: no budget.
    upload_budget: UploadBudget | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.upload_budget is not None:
            request = Request(scope, receive)
            content_type = request.headers.get("content-type", "")
            if request.method == "POST" and content_type.lower().startswith("multipart/"):
                refused = await self._over_upload_budget(request, self.upload_budget)
                if refused is not None:
                    await refused(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    @staticmethod
    async def _over_upload_budget(request: Request, budget: UploadBudget) -> Response | None:
        """A 429 before the body is read when the caller's IP is out of uploads."""
        address = request.client.host if request.client else None
        retry_after = await budget.retry_after(principal_of(request), address)
        if retry_after is None:
            return None
        error = {
            "message": f"Too many uploads from this address; retry after {retry_after} s.",
            "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
        }
        wants_new_type = _wants_graphql_response_json(request.headers.get("accept", ""))
        return JSONResponse(
            {"errors": [error]},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
            media_type=GRAPHQL_RESPONSE_JSON if wants_new_type else "application/json",
        )

    def decode_json(self, data: str | bytes) -> object:
        """Request bodies, GET parameters, multipart `operations` and `map`, and WebSocket
        messages. orjson refuses, as a JSONDecodeError (a 400 here, a 4400 close on a
        WebSocket), what the standard library lets through to a 500 or worse: nesting deeper
        than 1,024 (json.loads recurses until RecursionError), invalid UTF-8 and lone
        surrogates, NaN and Infinity."""
        return orjson.loads(data)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """Uploads (the GraphQL multipart request spec), refused before the body is read when
        they lack the CSRF header or a Content-Length, or are too large."""
        headers = request.headers
        if not any(headers.get(name, "").strip() for name in CSRF_HEADERS):
            raise HTTPException(
                400, "A multipart request needs a non-empty x-graphql-csrf header (CSRF)."
            )
        length = headers.get("content-length", "")
        if not length.isdigit():
            raise HTTPException(411, "A multipart request needs a Content-Length.")
        if int(length) > self.max_upload_bytes:
            raise HTTPException(413, f"At most {self.max_upload_bytes} bytes per request.")
        return await super().parse_multipart(request)

    async def render_graphql_ide(self, request: Request) -> Response:
        # strawberry's own page loads React and GraphiQL from unpkg.com: blank when offline.
        return HTMLResponse(_graphiql_page())

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        hub = getattr(request.app.state, "hub", None)
        return Context(principal=principal_of(request), request=request, response=response, hub=hub)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """WebSockets authenticate in `connection_init` ({"token": ...}, {"apiKey": ...} or
        {"Authorization": "Bearer ..."}, with a user token or an API key); a connection without
        a valid one is closed (4403), and so is an app's when its key stops working."""
        principal = await authenticate_websocket(context)
        if principal is None:
            raise ConnectionRejectionError({"reason": "a valid token is required"})
        context.principal = principal
        return UNSET  # type: ignore[no-any-return]

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # create_response() does not see the request; carry the negotiated type across.
        sub_response.media_type = (
            GRAPHQL_RESPONSE_JSON
            if _wants_graphql_response_json(request.headers.get("accept", ""))
            else "application/json"
        )
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        # The GraphQL spec: a request that never reached execution has no `data` entry at all,
        # which is also how clients (and create_response below) tell it from a null result.
        if _never_executed(result):
            processed.pop("data", None)
        return processed

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
            # A request that never reached execution (parse or validation error) has no
            # `data`; the spec asks for a 4xx for it under the new media type. A 429 (over
            # budget, schema/limits/cost.py) is already one, and more telling.
            no_data = isinstance(response_data, dict) and "data" not in response_data
            if no_data and response.status_code == 200:
                response.status_code = 400
        return response
