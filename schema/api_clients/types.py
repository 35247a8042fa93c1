from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from models.accounts import ApiClient
from schema.core.context import Info
from schema.core.errors import DomainErrorType, Payload, payload_type
from schema.core.relay import load_nodes
from services import api_clients
from services.api_clients.errors import ApiClientErrorCode
from services.common.principal import Scope

strawberry.enum(ApiClientErrorCode, description="Why an API-client request failed.")


@strawberry.enum(
    description="What an app may do. GraphQL names cannot hold `:`; the scope strings of the "
    "command line, Open311 and the README map as: READ `read`, PERSONAL_DATA_READ "
    "`personal_data:read`, WRITE `write`, DISPATCH `dispatch`, OPEN311_WRITE `open311:write`, "
    "EXPORT `export`, WEBHOOKS_MANAGE `webhooks:manage`."
)
class ApiClientScope(Enum):
    READ = Scope.READ
    PERSONAL_DATA_READ = Scope.PERSONAL_DATA
    WRITE = Scope.WRITE
    DISPATCH = Scope.DISPATCH
    OPEN311_WRITE = Scope.OPEN311_WRITE
    EXPORT = Scope.EXPORT
    WEBHOOKS_MANAGE = Scope.WEBHOOKS_MANAGE


def scopes_of(values: Iterable[str]) -> list[ApiClientScope]:
    """Stored scope strings as the enum; one no longer known is left out."""
    known = {scope.value for scope in ApiClientScope}
    return [ApiClientScope(value) for value in values if value in known]


@strawberry.type(
    name="ApiClient",
    description="A third-party app and its scopes. Its key is shown once, when issued; only a "
    "keyed hash is kept. Visible to administrators.",
)
class ApiClientType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The app's name.")
    scopes: list[ApiClientScope] = strawberry.field(description="What the app may do.")
    enabled: bool = strawberry.field(description="False once revoked: no key of it works.")
    key_prefix: str = strawberry.field(
        description="The current key's public start (`vc_<prefix>_…`), to tell keys apart."
    )
    key_rotated_at: datetime | None = strawberry.field(description="When the key was last rotated.")
    previous_key_prefix: str | None = strawberry.field(
        description="The public start of the key before the last rotation, while it still works."
    )
    previous_key_expires_at: datetime | None = strawberry.field(
        description="When the key before the last rotation stops working; null when none does."
    )
    revoked_at: datetime | None = strawberry.field(description="When the client was revoked.")
    created_at: datetime = strawberry.field(description="When the client was registered.")

    @classmethod
    def from_model(cls, row: ApiClient) -> ApiClientType:
        previous = row.previous_key_prefix
        return cls(
            id=row.id,
            name=row.name,
            scopes=scopes_of(row.scopes),
            enabled=row.enabled,
            key_prefix=f"{api_clients.API_KEY_PREFIX}{row.key_prefix}_",
            key_rotated_at=row.key_rotated_at,
            previous_key_prefix=f"{api_clients.API_KEY_PREFIX}{previous}_" if previous else None,
            previous_key_expires_at=row.previous_key_expires_at if previous else None,
            revoked_at=row.revoked_at,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        visible = info.context.principal.is_admin
        return await load_nodes(ApiClient, node_ids, cls.from_model, visible=visible)


@strawberry.type(description="A problem with an API-client request.")
class ApiClientError(DomainErrorType[ApiClientErrorCode]):
    pass


@payload_type(description="An API client, or why the request failed.")
class ApiClientPayload(Payload[ApiClientError]):
    api_client: ApiClientType | None = strawberry.field(default=None, description="The client.")


@payload_type(description="An API client with a newly issued key, or why none was issued.")
class ApiClientKeyPayload(Payload[ApiClientError]):
    api_client: ApiClientType | None = strawberry.field(default=None, description="The client.")
    key: str | None = strawberry.field(
        default=None,
        description="The new API key, shown in this response only: store it now. Send it as "
        "`Authorization: Bearer <key>`, or in `connection_init` over WebSocket.",
    )
