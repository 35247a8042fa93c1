"""The graphql-transport-ws handler: strawberry's, except that a result shared by every
subscriber of an event (schema/fanout.py) goes out as the same pre-serialised JSON.

strawberry builds a `next` message per subscriber and JSON-encodes it in full; with 10,000 wall
screens that is 10,000 encodings of one result. Here the shared `data` is encoded once and each
subscriber's frame is that text with its own operation id around it. Everything else — ids,
errors (which masking may rewrite per result, so they take the ordinary path), completion, the
per-connection subscription limit — is strawberry's unchanged.
"""

from __future__ import annotations

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from schema.context import Context
from schema.fanout import SharedData


def next_frame(operation_id: object, data: SharedData) -> str:
    """The `next` message of a shared result, as strawberry's handler would send it (orjson
    leaves non-ASCII text unescaped, where json.dumps escapes it: the same JSON value)."""
    identifier = orjson.dumps(operation_id).decode()
    return '{"id":' + identifier + ',"type":"next","payload":{"data":' + data.as_json() + "}}"


class FanoutTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def send_message(self, message: Message) -> None:
        if message["type"] == "next" and isinstance(self.websocket, ASGIWebSocketAdapter):
            payload = message["payload"]
            data = payload.get("data")
            # Only data: errors and extensions are per result.
            if type(data) is SharedData and len(payload) == 1:
                try:
                    await self.websocket.ws.send_text(next_frame(message["id"], data))
                except WebSocketDisconnect as exc:
                    raise WebSocketDisconnected from exc
                return
        await super().send_message(message)
