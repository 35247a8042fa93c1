"""The graphql-transport-ws handler: strawberry's, except that a result shared by every
subscriber of an event (schema/fanout/execution.py) goes out as the same pre-serialised JSON.

strawberry builds a `next` message per subscriber and JSON-encodes it in full; with 10,000 wall
screens that is 10,000 encodings of one result. Here the shared `data` is encoded once and each
subscriber's frame is that text with its own operation id (and its result's own errors and
extensions, which masking and the cost report make per result) around it. Everything else —
ids, completion, the per-connection subscription limit — is strawberry's unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from schema.core.context import Context
from schema.fanout.execution import SharedData


def next_frame(operation_id: object, data: SharedData, payload: Mapping[str, object]) -> str:
    """The `next` message of a shared result, as strawberry's handler would send it: the shared
    data's JSON, with the operation's id and the result's own errors and extensions (small, and
    rare) around it. orjson leaves non-ASCII text unescaped where json.dumps escapes it: the
    same JSON value."""
    parts = ['{"id":', orjson.dumps(operation_id).decode(), ',"type":"next","payload":{"data":']
    parts.append(data.as_json())
    for key in ("errors", "extensions"):
        if key in payload:
            parts += [',"', key, '":', orjson.dumps(payload[key]).decode()]
    parts.append("}}")
    return "".join(parts)


class FanoutTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def send_message(self, message: Message) -> None:
        if message["type"] == "next" and isinstance(self.websocket, ASGIWebSocketAdapter):
            payload = message["payload"]
            data = payload.get("data")
            if type(data) is SharedData:
                frame = next_frame(message["id"], data, payload)
                try:
                    await self.websocket.ws.send_text(frame)
                except WebSocketDisconnect as exc:
                    raise WebSocketDisconnected from exc
                return
        await super().send_message(message)
