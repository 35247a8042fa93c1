"""Hostile documents against the real server: each is refused with a code within a second, and
other clients are served meanwhile — over HTTP and over a WebSocket `subscribe`.

Before the limits were linear, the n=30 doubling document never finished validating and held
the process's only event loop: /healthz and every other request waited behind it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

import httpx
import pytest

from models.accounts import Role
from services import accounts
from tests.conftest import Backend
from tests.limits.test_query_limits import doubling
from tests.server import ServerProcess, running_server
from tests.support import make_user, make_volunteer
from tests.ws_client import authenticated

pytestmark = pytest.mark.server

PASSWORD = "correct-horse-9"  # what tests.support.make_user gives everyone
# Generous: two cores shared with other runs. The hostile documents took minutes before.
PROMPT = 1.0
SMALL = "query Small { districts { code } }"
MY_ASSIGNMENTS = "subscription Mine { myAssignments { cursor } }"


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    # One subscription per connection, so that the per-connection limit is quick to reach.
    with running_server(backend.settings, env={"MAX_SUBSCRIPTIONS_PER_CONNECTION": "1"}) as s:
        yield s


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http


async def timed(waiting: Awaitable[Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = await waiting
    return result, time.monotonic() - started


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors]


async def served_meanwhile(client: httpx.AsyncClient) -> None:
    """Another client's probe and small query, each answered promptly."""
    health, took = await timed(client.get("/healthz"))
    assert health.status_code == 200
    assert took < PROMPT, took
    small, took = await timed(client.post("/graphql", json={"query": SMALL}))
    assert small.json()["data"]["districts"]
    assert took < PROMPT, took


@pytest.mark.parametrize("inline", [False, True], ids=["spreads", "inline-fragments"])
async def test_a_doubling_document_is_refused_promptly_while_others_are_served(
    client: httpx.AsyncClient, inline: bool
) -> None:
    # given an anonymous client sending a kilobyte whose fragments expand to 2**30 fields
    document = doubling(30, inline=inline)

    # when it is sent, and another client asks for /healthz and a small query meanwhile
    hostile = asyncio.ensure_future(timed(client.post("/graphql", json={"query": document})))
    await served_meanwhile(client)
    response, took = await hostile

    # then the hostile one is refused with a code within the same second
    assert took < PROMPT, took
    assert response.status_code == 200
    assert codes(response.json()["errors"]) == ["TOO_MANY_FIELDS"]


async def test_several_hostile_documents_at_once_leave_the_process_responsive(
    client: httpx.AsyncClient,
) -> None:
    # given documents that differ, so that none is answered from the validation cache
    documents = [doubling(30 + n) for n in range(4)] + [
        doubling(30 + n, inline=True) for n in range(4)
    ]

    hostile = [
        asyncio.ensure_future(timed(client.post("/graphql", json={"query": d}))) for d in documents
    ]
    await served_meanwhile(client)
    answers = await asyncio.gather(*hostile)

    for response, took in answers:
        assert took < 5 * PROMPT, took
        assert codes(response.json()["errors"]) == ["TOO_MANY_FIELDS"]


async def test_a_doubling_document_over_a_websocket_is_refused_promptly(
    server: ServerProcess, client: httpx.AsyncClient
) -> None:
    # given a signed-in connection
    await make_user("hostile.ws", Role.RESIDENT)
    token = (await accounts.login("hostile.ws", PASSWORD)).access_token
    async with authenticated(server.ws_url, token) as ws:
        # when the doubling document is subscribed to, as a query and as a subscription
        for operation_id, document in (
            ("query", doubling(30)),
            ("inline", doubling(30, inline=True)),
            (
                "subscription",
                doubling(
                    30, root="subscription { myAssignments { order { district { ...F%d } } } }"
                ),
            ),
        ):
            started = time.monotonic()
            await ws.subscribe(operation_id, document)
            # and another client is served meanwhile
            await served_meanwhile(client)
            message = await ws.receive(within=10)

            # then its answer is a coded error for that operation, within the second
            assert time.monotonic() - started < 2 * PROMPT
            assert message["id"] == operation_id and message["type"] == "error", message
            assert codes(message["payload"]) == ["TOO_MANY_FIELDS"]


async def test_a_subscription_beyond_the_per_connection_limit_is_refused_with_a_code(
    server: ServerProcess,
) -> None:
    # given a volunteer's connection holding the one subscription it may have
    await make_volunteer("limit.ws")
    token = (await accounts.login("limit.ws", PASSWORD)).access_token
    async with authenticated(server.ws_url, token) as ws:
        await ws.subscribe("first", MY_ASSIGNMENTS)

        # when a second one is started
        await ws.subscribe("second", MY_ASSIGNMENTS)

        # then it is refused, with the limit's code
        message = await ws.receive()
        assert message["id"] == "second" and message["type"] == "error", message
        assert codes(message["payload"]) == ["TOO_MANY_SUBSCRIPTIONS"]
        assert message["payload"][0]["extensions"]["maximum"] == 1


async def test_a_batch_is_refused_with_a_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": SMALL}, {"query": SMALL}])

    assert response.status_code == 400
    body = response.json()
    assert codes(body["errors"]) == ["BATCHING_NOT_SUPPORTED"]
    assert "data" not in body


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (
            "{ " + " ".join(f"d{n}: districts {{ code }}" for n in range(31)) + " }",
            "TOO_MANY_ALIASES",
        ),
        ("{ districts { " + "code " * 2100 + "} }", "TOO_MANY_TOKENS"),
        (
            "{ __schema { types { " + "ofType { " * 40 + "name" + " }" * 40 + " } } }",
            "INTROSPECTION_TOO_DEEP",
        ),
        ("{ " + "districts { code } " * 400 + "}", "QUERY_TOO_COMPLEX"),
    ],
    ids=["aliases", "tokens", "introspection", "repeated-fields"],
)
async def test_each_limit_is_coded_over_http(
    client: httpx.AsyncClient, document: str, code: str
) -> None:
    response, took = await timed(client.post("/graphql", json={"query": document}))

    assert codes(response.json()["errors"]) == [code]
    assert took < PROMPT, took
