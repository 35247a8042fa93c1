"""The graphql-transport-ws handler: strawberry's, except that a result shared by every
subscriber of an event (schema/fanout/execution.py) goes out as the same pre-serialised JSON.

strawberry builds a `next` message per subscriber and JSON-encodes it in full; with 10,000 wall
screens that is 10,000 encodings of one result. Here the shared `data` is encoded once and each
subscriber's frame is that text with its own operation id (and its result's own errors and
extensions, which masking and the cost report make per result) around it.

It also holds every message to the protocol's shapes before strawberry's handler reads it: a
message that is not an object (a JSON array, a string), or whose `payload`, `id`, `query`,
`variables` or `extensions` has the wrong type, closes the socket with 4400 and says which,
where strawberry's handler raised and the TCP connection dropped without a close frame. And a
`subscribe` whose document does not parse is answered with an `error` message, as the
protocol's `error` is meant for ("operation execution errors before execution starts"): with
strawberry's ParserCache the syntax error is raised out of `schema.stream`, and its handler
answered with a bare `complete`. Everything else — ids, completion, the per-connection
subscription limit — is strawberry's unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any, cast

import orjson
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.types.execution import PreExecutionError

from schema.core.context import Context
from schema.fanout.execution import SharedData


def _optional(message: Mapping[str, object], key: str, kind: type, name: str) -> str | None:
    value = message.get(key)
    if value is None or isinstance(value, kind):
        return None
    return f"`{key}` must be {name} or null"


def malformed(message: object) -> str | None:
    """Why `message` is not a graphql-transport-ws message we can act on (the 4400 close
    reason), or None. Only shapes: an unknown type and the order of messages are strawberry's."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a string `type`"
    if kind in ("connection_init", "ping", "pong"):
        return _optional(message, "payload", dict, "an object")
    if kind == "complete" and not isinstance(message.get("id"), str):
        return "`complete` needs a string `id`"
    if kind != "subscribe":
        return None
    if not isinstance(message.get("id"), str) or not message["id"]:
        return "`subscribe` needs a non-empty string `id`"
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "The `payload` of `subscribe` must be an object"
    if not isinstance(payload.get("query"), str):
        return "`payload.query` must be a string"
    return (
        _optional(payload, "variables", dict, "an object")
        or _optional(payload, "extensions", dict, "an object")
        or _optional(payload, "operationName", str, "a string")
    )


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


async def _errors_as_results(source: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    async with aclosing(source):
        try:
            first = await anext(source)
        except StopAsyncIteration:
            return
        except GraphQLError as error:
            yield PreExecutionError(data=None, errors=[error])
            return
        yield first
        async for result in source:
            yield result


class _ErrorsAsResults:
    """The schema, except that a GraphQL error raised while its stream prepares the operation
    (a parse error, from ParserCache) comes out as the stream's one PreExecutionError, the way
    strawberry's handler expects errors before execution."""

    def __init__(self, schema: BaseSchema) -> None:
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        return _errors_as_results(await self._schema.stream(*args, **kwargs))


class FanoutTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = cast(BaseSchema, _ErrorsAsResults(self.schema))

    async def handle_message(self, message: Message) -> None:
        problem = malformed(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        # A document that does not parse is the operation's fault, not the connection's: its
        # `error` message, and the connection's other operations carry on (as graphql-ws's own
        # server does). An operation that cannot be picked out still closes with 4400.
        if isinstance(error, GraphQLSyntaxError):
            return None
        return BaseGraphQLTransportWSHandler._get_pre_execution_close_reason(error)

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
