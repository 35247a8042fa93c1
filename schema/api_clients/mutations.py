from __future__ import annotations

import strawberry
from strawberry import relay

from models.accounts import ApiClient, Role
from schema.api_clients.types import (
    ApiClientKeyPayload,
    ApiClientPayload,
    ApiClientScope,
    ApiClientType,
)
from schema.core.context import Info
from schema.core.errors import payload, problem
from schema.core.permissions import requires
from schema.core.relay import decode_id
from services import api_clients
from services.api_clients.errors import ApiClientErrorCode
from services.common.errors import Problem


@strawberry.input(description="A new third-party app.")
class CreateApiClientInput:
    name: str = strawberry.field(description="The app's name (1-128 characters).")
    scopes: list[ApiClientScope] = strawberry.field(description="Scopes to grant (at least one).")


@strawberry.input(description="Issue a new key for an app.")
class RotateApiClientKeyInput:
    api_client: relay.GlobalID = strawberry.field(description="The ApiClient.")
    grace_period_seconds: int | None = strawberry.field(
        default=None,
        description="How long the current key keeps working (0: it stops at once; at most 30 "
        "days; default API_KEY_GRACE_SECONDS, one day).",
    )


@strawberry.input(description="Stop an app's keys at once.")
class RevokeApiClientInput:
    api_client: relay.GlobalID = strawberry.field(description="The ApiClient.")
    previous_key_only: bool = strawberry.field(
        default=False,
        description="End only the key before the last rotation (its grace period), keeping the "
        "client and its current key.",
    )


def _issued(issued: tuple[ApiClient, str]) -> ApiClientKeyPayload:
    return ApiClientKeyPayload(api_client=ApiClientType.from_model(issued[0]), key=issued[1])


def _client(row: ApiClient) -> ApiClientPayload:
    return ApiClientPayload(api_client=ApiClientType.from_model(row))


def _not_found() -> list[Problem]:
    return problem(ApiClientErrorCode.CLIENT_NOT_FOUND, "No such API client.", "apiClient")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a third-party app; its key is in this response only.",
        extensions=[requires(Role.ADMIN)],
    )
    async def create_api_client(
        self, info: Info, input: CreateApiClientInput
    ) -> ApiClientKeyPayload:
        call = api_clients.create_api_client(input.name, [s.value for s in input.scopes])
        return await payload(ApiClientKeyPayload, call, _issued)

    @strawberry.mutation(
        description="Issue a new key for an app (in this response only); the current key keeps "
        "working for the grace period. Open WebSocket connections on a key are closed when it "
        "stops working.",
        extensions=[requires(Role.ADMIN)],
    )
    async def rotate_api_client_key(
        self, info: Info, input: RotateApiClientKeyInput
    ) -> ApiClientKeyPayload:
        client_id = decode_id(input.api_client, "ApiClient")
        if client_id is None:
            return ApiClientKeyPayload.failed(_not_found())
        call = api_clients.rotate_key(client_id, input.grace_period_seconds)
        return await payload(ApiClientKeyPayload, call, _issued)

    @strawberry.mutation(
        description="Revoke an app: every key of it stops at once (HTTP requests are refused, "
        "open WebSocket connections closed with 4403) and its webhooks are disabled. Final.",
        extensions=[requires(Role.ADMIN)],
    )
    async def revoke_api_client(self, info: Info, input: RevokeApiClientInput) -> ApiClientPayload:
        client_id = decode_id(input.api_client, "ApiClient")
        if client_id is None:
            return ApiClientPayload.failed(_not_found())
        call = api_clients.revoke(client_id, previous_key_only=input.previous_key_only)
        return await payload(ApiClientPayload, call, _client)
