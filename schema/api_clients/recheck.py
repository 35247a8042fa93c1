"""API keys on WebSocket connections: where the key is in `connection_init`, and a check of it
again before every operation the connection starts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from schema.core.context import Context
from services.api_clients import check_key, is_api_key
from services.common.principal import ANONYMOUS


def ws_credential(params: object) -> str | None:
    """The credential of a `connection_init` payload: {"apiKey": ...}, {"token": ...} or
    {"Authorization": "Bearer ..."}."""
    if not isinstance(params, dict):
        return None
    for name in ("apiKey", "token"):
        value = params.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    header = params.get("Authorization", params.get("authorization"))
    if not isinstance(header, str):
        return None
    scheme, _, rest = header.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else header.strip()
    return token or None


class ApiKeyRecheck(SchemaExtension):
    """The key of an app's WebSocket connection was checked at `connection_init`; every
    subscription (or other operation) started on the connection checks it again, so a revoked
    or expired key starts nothing more, even in the moment before its connection is closed
    (api/auth.py). HTTP requests are checked by the middleware instead."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and context.connection_params is not None
            and context.principal.api_client_id is not None
        ):
            credential = ws_credential(context.connection_params) or ""
            checked = await check_key(credential) if is_api_key(credential) else None
            # Shared by the connection's operations: once revoked, none of them is anyone.
            context.principal = checked.principal if checked else ANONYMOUS
        yield
