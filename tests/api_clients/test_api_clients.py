"""API clients: keys shown once, rotation with a grace period, revocation, the admin mutations
and query, and the command line."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strawberry import relay

from models.accounts import ApiClient, Role
from models.events import Event
from schema.api_clients.types import ApiClientScope
from schema.core.context import Context
from services import accounts, api_clients
from services.api_clients.errors import ApiClientErrorCode
from services.common.errors import DomainError
from services.common.principal import Principal, Scope
from tests.conftest import Backend
from tests.support import SCHEMA, data_of, error_codes, gql, make_user

CREATE = """
mutation Create($input: CreateApiClientInput!) {
  createApiClient(input: $input) {
    key
    apiClient { id name scopes enabled keyPrefix createdAt }
    errors { code field message }
  }
}"""
ROTATE = """
mutation Rotate($input: RotateApiClientKeyInput!) {
  rotateApiClientKey(input: $input) {
    key
    apiClient { keyPrefix previousKeyPrefix previousKeyExpiresAt keyRotatedAt }
    errors { code field }
  }
}"""
REVOKE = """
mutation Revoke($input: RevokeApiClientInput!) {
  revokeApiClient(input: $input) {
    apiClient { enabled revokedAt previousKeyPrefix }
    errors { code field }
  }
}"""
CLIENTS = """
query Clients($first: Int, $after: String) {
  apiClients(first: $first, after: $after) {
    totalCount
    nodes { id name scopes enabled keyPrefix previousKeyPrefix revokedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""


def gid(pk: int) -> str:
    return gid_of("ApiClient", pk)


def gid_of(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def admin() -> Principal:
    _, principal = await make_user("ops.admin", Role.ADMIN)
    return principal


async def works(key: str, at: datetime | None = None) -> bool:
    return await api_clients.check_key(key, at) is not None


# Services


async def test_a_rotated_key_keeps_the_old_one_working_for_the_grace_period() -> None:
    # given an app and its key
    client, old = await api_clients.create_api_client("national cloud", [Scope.READ])

    # when its key is rotated with an hour's grace
    rotated, new = await api_clients.rotate_key(client.id, 3600)

    # then both keys work until the hour is up, then only the new one
    assert new != old and await works(new) and await works(old)
    expires = rotated.previous_key_expires_at
    assert expires is not None
    assert await works(old, expires - timedelta(seconds=1))
    assert not await works(old, expires)
    assert await works(new, expires + timedelta(days=365))
    checked = await api_clients.check_key(old)
    assert checked is not None and checked.expires_at == expires
    assert new not in (rotated.key_hash, rotated.key_prefix)


async def test_a_rotation_without_grace_ends_the_old_key_at_once() -> None:
    client, old = await api_clients.create_api_client("mini program", [Scope.READ])

    _, new = await api_clients.rotate_key(client.id, 0)

    assert not await works(old) and await works(new)


async def test_a_second_rotation_ends_the_key_still_in_its_grace_period() -> None:
    client, first = await api_clients.create_api_client("district system", [Scope.READ])
    _, second = await api_clients.rotate_key(client.id, 3600)

    _, third = await api_clients.rotate_key(client.id, 3600)

    assert [await works(k) for k in (first, second, third)] == [False, True, True]


async def test_rotation_and_revocation_are_announced_on_the_clients_topic() -> None:
    client, _ = await api_clients.create_api_client("app", [Scope.READ])

    await api_clients.rotate_key(client.id, 0)
    await api_clients.revoke(client.id)

    rows = await Event.filter(topics__contains=f"|api_client:{client.id}|").order_by("id")
    assert [r.type for r in rows] == ["API_CLIENT_KEY_ROTATED", "API_CLIENT_REVOKED"]


async def test_revoking_ends_every_key_at_once_and_is_final() -> None:
    client, old = await api_clients.create_api_client("retired app", [Scope.READ])
    _, new = await api_clients.rotate_key(client.id, 3600)

    revoked = await api_clients.revoke(client.id)

    assert not await works(old) and not await works(new)
    assert await accounts.authenticate(new) is None
    assert revoked.revoked_at is not None and not revoked.enabled
    with pytest.raises(DomainError) as raised:
        await api_clients.rotate_key(client.id, 0)
    assert raised.value.problems[0].code == ApiClientErrorCode.CLIENT_REVOKED
    # a second revocation changes nothing and says nothing new
    assert (await api_clients.revoke(client.id)).revoked_at == revoked.revoked_at
    assert await Event.filter(type="API_CLIENT_REVOKED").count() == 1


async def test_revoking_the_previous_key_only_keeps_the_current_one() -> None:
    client, old = await api_clients.create_api_client("app", [Scope.READ])
    _, new = await api_clients.rotate_key(client.id, 3600)

    kept = await api_clients.revoke(client.id, previous_key_only=True)

    assert kept.enabled and kept.previous_key_prefix is None
    assert not await works(old) and await works(new)


@pytest.mark.parametrize("grace", [-1, 30 * 24 * 3600 + 1])
async def test_a_bad_grace_period_is_refused_and_changes_nothing(grace: int) -> None:
    client, key = await api_clients.create_api_client("app", [Scope.READ])

    with pytest.raises(DomainError) as raised:
        await api_clients.rotate_key(client.id, grace)

    assert raised.value.problems[0].code == ApiClientErrorCode.INVALID_GRACE_PERIOD
    assert await works(key)
    assert (await ApiClient.get(id=client.id)).key_rotated_at is None


async def test_a_new_client_needs_a_name_and_known_scopes() -> None:
    with pytest.raises(DomainError) as raised:
        await api_clients.create_api_client("  ", ["read", "everything"])
    with pytest.raises(DomainError) as empty:
        await api_clients.create_api_client("app", [])

    assert [p.code for p in raised.value.problems] == [
        ApiClientErrorCode.INVALID_NAME,
        ApiClientErrorCode.UNKNOWN_SCOPE,
    ]
    assert [p.code for p in empty.value.problems] == [ApiClientErrorCode.NO_SCOPES]
    assert await ApiClient.all().count() == 0


# GraphQL


@pytest.mark.parametrize("scope", ["root", "open311:write", "read"])
async def test_a_scope_outside_the_enum_is_a_validation_error(scope: str) -> None:
    result = await gql(CREATE, {"input": {"name": "x", "scopes": [scope]}}, await admin())

    assert result.data is None and result.errors is not None
    assert f"Value '{scope}' does not exist in 'ApiClientScope' enum" in result.errors[0].message
    assert await ApiClient.all().count() == 0


async def test_enum_names_grant_the_scope_strings() -> None:
    everything = [scope.name for scope in ApiClientScope]
    made = (await data_of(CREATE, {"input": {"name": "x", "scopes": everything}}, await admin()))[
        "createApiClient"
    ]

    assert sorted(made["apiClient"]["scopes"]) == sorted(everything)
    check = await api_clients.check_key(made["key"])
    assert check is not None and check.principal.scopes == frozenset(Scope.ALL)
    assert "OPEN311_WRITE" in everything and Scope.OPEN311_WRITE in check.principal.scopes


async def test_an_admin_creates_rotates_and_revokes_a_client() -> None:
    boss = await admin()

    # create: the key is in the response, and works
    made = (await data_of(CREATE, {"input": {"name": "志愿云", "scopes": ["READ"]}}, boss))[
        "createApiClient"
    ]
    assert made["errors"] == []
    key, client = made["key"], made["apiClient"]
    assert key.startswith(client["keyPrefix"]) and client["scopes"] == ["READ"]
    assert await works(key)

    # rotate: a new key; the old one keeps its grace period
    rotated = (
        await data_of(
            ROTATE, {"input": {"apiClient": client["id"], "gracePeriodSeconds": 60}}, boss
        )
    )["rotateApiClientKey"]
    assert rotated["errors"] == [] and rotated["key"] != key
    assert rotated["apiClient"]["previousKeyPrefix"] == client["keyPrefix"]
    expires = datetime.fromisoformat(rotated["apiClient"]["previousKeyExpiresAt"])
    assert timedelta(seconds=50) < expires - datetime.now(UTC) <= timedelta(seconds=60)
    assert await works(key) and await works(rotated["key"])

    # revoke: nothing works any more
    revoked = (await data_of(REVOKE, {"input": {"apiClient": client["id"]}}, boss))[
        "revokeApiClient"
    ]
    assert revoked == {
        "apiClient": {
            "enabled": False,
            "revokedAt": revoked["apiClient"]["revokedAt"],
            "previousKeyPrefix": None,
        },
        "errors": [],
    }
    assert not await works(key) and not await works(rotated["key"])


async def test_the_client_list_never_shows_a_key() -> None:
    boss = await admin()
    _, first = await api_clients.create_api_client("one", [Scope.READ])
    _, second = await api_clients.create_api_client("two", [Scope.DISPATCH, Scope.READ])

    page = (await data_of(CLIENTS, {"first": 1}, boss))["apiClients"]
    rest = (await data_of(CLIENTS, {"after": page["pageInfo"]["endCursor"]}, boss))["apiClients"]

    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    assert [n["name"] for n in page["nodes"] + rest["nodes"]] == ["one", "two"]
    assert rest["nodes"][0]["scopes"] == ["DISPATCH", "READ"]
    text = json.dumps([page, rest])
    for key in (first, second):
        assert key not in text and key.split("_", 2)[2] not in text


@pytest.mark.parametrize("who", ["anonymous", "dispatcher", "app"])
async def test_only_admins_manage_clients(who: str) -> None:
    client, _ = await api_clients.create_api_client("app", [Scope.READ])
    if who == "anonymous":
        principal, code = Principal(), "NOT_AUTHENTICATED"
    elif who == "dispatcher":
        principal, code = (await make_user("desk.li", Role.DISPATCHER))[1], "NOT_PERMITTED"
    else:
        principal, code = (
            Principal(api_client_id=client.id, scopes=frozenset(Scope.ALL)),
            ("NOT_PERMITTED"),
        )
    variables = {"input": {"apiClient": gid(client.id)}}

    results = [
        await gql(CLIENTS, {}, principal),
        await gql(CREATE, {"input": {"name": "x", "scopes": ["READ"]}}, principal),
        await gql(ROTATE, variables, principal),
        await gql(REVOKE, variables, principal),
    ]

    assert [error_codes(r) for r in results] == [[code]] * 4
    assert await ApiClient.all().count() == 1
    assert (await ApiClient.get(id=client.id)).enabled


async def test_bad_input_is_coded_and_changes_nothing() -> None:
    boss = await admin()
    client, key = await api_clients.create_api_client("app", [Scope.READ])

    no_scope = await data_of(CREATE, {"input": {"name": "x", "scopes": []}}, boss)
    wrong_id = await data_of(
        ROTATE, {"input": {"apiClient": str(relay.GlobalID("User", "1"))}}, boss
    )
    too_long = await data_of(
        ROTATE, {"input": {"apiClient": gid(client.id), "gracePeriodSeconds": 10**8}}, boss
    )

    assert no_scope["createApiClient"]["errors"][0]["code"] == "NO_SCOPES"
    assert wrong_id["rotateApiClientKey"]["errors"] == [
        {"code": "CLIENT_NOT_FOUND", "field": "apiClient"}
    ]
    assert too_long["rotateApiClientKey"]["errors"] == [
        {"code": "INVALID_GRACE_PERIOD", "field": "gracePeriodSeconds"}
    ]
    assert await ApiClient.all().count() == 1 and await works(key)


async def test_node_shows_clients_to_admins_only() -> None:
    client, _ = await api_clients.create_api_client("app", [Scope.READ])
    _, resident = await make_user("resident.wu")
    query = "query($id: ID!) { node(id: $id) { ... on ApiClient { name } } }"

    assert (await data_of(query, {"id": gid(client.id)}, await admin()))["node"] == {"name": "app"}
    assert (await data_of(query, {"id": gid(client.id)}, resident))["node"] is None


# Command line


def _cli(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": backend.settings.database_url,
        "BROADCAST_URL": "memory://",
    }
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


async def test_the_command_line_rotates_and_revokes(backend: Backend) -> None:
    client, old = await api_clients.create_api_client("national cloud", [Scope.READ])

    rotated = _cli(backend, "rotate-api-key", str(client.id), "--grace-seconds", "0")
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip().splitlines()[-1]
    assert "stopped working" in rotated.stdout
    assert not await works(old) and await works(new)

    listed = _cli(backend, "list-api-clients")
    assert "national cloud" in listed.stdout and new not in listed.stdout

    revoked = _cli(backend, "revoke-api-client", str(client.id))
    assert revoked.returncode == 0, revoked.stderr
    assert not await works(new)

    missing = _cli(backend, "rotate-api-key", "999")
    assert missing.returncode == 1 and "CLIENT_NOT_FOUND" in missing.stdout


# WebSocket operations


FEED = """
subscription Feed($center: ID!) {
  dispatchFeed(dispatchCenter: $center) { cursor ... on DispatchEvent { type } }
}"""


async def _first_result(context: Context, center: str) -> Any:
    stream = await SCHEMA.subscribe(FEED, {"center": center}, context_value=context)
    if not hasattr(stream, "__anext__"):
        return stream
    try:
        return await asyncio.wait_for(stream.__anext__(), 5)
    finally:
        await stream.aclose()


async def test_each_subscription_checks_the_connections_key_again(hub: Any) -> None:
    # given an app's WebSocket connection, authenticated at connection_init
    from tests.dispatch.support import make_centers

    center = gid_of("DispatchCenter", (await make_centers())["district"].id)
    client, key = await api_clients.create_api_client("wall app", [Scope.DISPATCH])
    checked = await api_clients.check_key(key)
    assert checked is not None
    context = Context(principal=checked.principal, connection_params={"apiKey": key}, hub=hub)

    # when the key is revoked and the connection (not yet closed) starts a subscription
    await api_clients.revoke(client.id)
    result = await _first_result(context, center)

    # then the subscription is refused, and the connection is nobody from now on
    assert error_codes(result) == ["NOT_AUTHENTICATED"], result.errors
    assert not context.principal.is_authenticated
