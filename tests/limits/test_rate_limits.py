"""Cost budgets per API client, user and IP: 429 with Retry-After and RATE_LIMITED, the cost
reported on every response, WebSocket subscriptions charged when they start, and (on Redis)
one budget shared by every process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from models.accounts import Role
from services import accounts
from services.api_clients import rate_limits
from services.common.principal import Scope
from settings import Settings
from tests.conftest import Backend
from tests.server import ServerProcess, free_port
from tests.support import make_user, make_volunteer
from tests.ws_client import authenticated

# 1 (connection) + 5 organisations = 6; public, so anonymous callers may ask it.
SIX = "query Six { organizations(first: 5) { nodes { name } } }"
# 1 (connection) + 100 rows = 101.
HUNDRED_AND_ONE = "query Big { organizations(first: 100) { nodes { name } } }"
# The subscription's event object (1) and its order (1).
SUBSCRIPTION = "subscription Mine { myAssignments { cursor order { id } } }"


def budgets(settings: Settings, **overrides: Any) -> Settings:
    """Budgets of 20 per minute, counted in this app's memory: each test starts from full
    budgets (the Redis-shared ones are tested on real servers below)."""
    base = {
        "rate_limit_anonymous": 20,
        "rate_limit_user": 20,
        "rate_limit_client": 20,
        "rate_limit_storage_url": "memory://",
    }
    return settings.replace(**(base | overrides))


@pytest.fixture
async def small_budgets(backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(budgets(backend.settings))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        yield http


async def post(http: httpx.AsyncClient, query: str, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query}, headers=headers)


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


async def test_an_anonymous_caller_over_budget_gets_429_with_a_retry_hint(
    small_budgets: httpx.AsyncClient,
) -> None:
    # given an anonymous caller with a budget of 20, who spends 6 three times
    spent = [await post(small_budgets, SIX) for _ in range(3)]

    # when they ask for 6 more
    refused = await post(small_budgets, SIX)

    # then each answer reported the budget left, and the fourth is refused with a hint
    assert [r.status_code for r in spent] == [200, 200, 200]
    assert [r.json()["extensions"]["cost"]["budget"]["remaining"] for r in spent] == [14, 8, 2]
    assert spent[0].json()["extensions"]["cost"]["requested"] == 6
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert codes(refused) == ["RATE_LIMITED"]
    assert "data" not in refused.json()
    assert refused.json()["extensions"]["cost"]["budget"]["remaining"] == 2


async def test_users_clients_and_anonymous_callers_have_budgets_of_their_own(
    small_budgets: httpx.AsyncClient,
) -> None:
    # given a user who has spent their budget
    await make_user("first.user", Role.RESIDENT)
    await make_user("second.user", Role.RESIDENT)
    first = (await accounts.login("first.user", "correct-horse-9")).access_token
    second = (await accounts.login("second.user", "correct-horse-9")).access_token
    _, key = await accounts.create_api_client("district system", [Scope.READ])
    for _ in range(3):
        assert (await post(small_budgets, SIX, first)).status_code == 200
    assert (await post(small_budgets, SIX, first)).status_code == 429

    # when another user, an app and an anonymous caller (same address) ask
    others = [await post(small_budgets, SIX, token) for token in (second, key, None)]

    # then each still has its whole budget
    assert [r.status_code for r in others] == [200, 200, 200]
    assert [r.json()["extensions"]["cost"]["budget"]["remaining"] for r in others] == [14, 14, 14]


async def test_an_app_can_be_given_a_bigger_budget(small_budgets: httpx.AsyncClient) -> None:
    # given two apps, one with a budget of 1,000 instead of the default 20
    _, plain = await accounts.create_api_client("small app", [Scope.READ])
    big_app, big = await accounts.create_api_client("national system", [Scope.READ])
    await rate_limits.set_client_budget(big_app.id, 1000)

    # when both ask for something costing 101
    answers = [await post(small_budgets, HUNDRED_AND_ONE, key) for key in (plain, big)]

    # then the default budget cannot pay for it and the bigger one can
    assert [a.status_code for a in answers] == [429, 200]
    budget = answers[1].json()["extensions"]["cost"]["budget"]
    assert (budget["limit"], budget["remaining"]) == (1000, 899)


async def test_a_budget_of_zero_means_no_budget(backend: Backend) -> None:
    app = create_app(budgets(backend.settings, rate_limit_anonymous=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        answers = [await post(http, SIX) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    assert answers[-1].json()["extensions"]["cost"] == {"requested": 6, "maximum": 20000}


async def test_a_too_costly_request_is_refused_and_costs_nothing(backend: Backend) -> None:
    # given a server whose requests may cost at most 50
    app = create_app(budgets(backend.settings, max_query_cost=50))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        # when a request would cost 101, asked for as plain JSON and as the GraphQL media type
        plain = await post(http, HUNDRED_AND_ONE)
        strict = await http.post(
            "/graphql",
            json={"query": HUNDRED_AND_ONE},
            headers={"accept": "application/graphql-response+json"},
        )
        after = await post(http, SIX)

    # then both are refused before running, and the budget is untouched
    assert (plain.status_code, strict.status_code) == (200, 400)
    assert codes(plain) == codes(strict) == ["QUERY_TOO_COSTLY"]
    assert plain.json()["extensions"]["cost"]["requested"] == 101
    assert after.json()["extensions"]["cost"]["budget"]["remaining"] == 20 - 6


def _server_env(prefix: str, **values: str) -> dict[str, str]:
    # A channel prefix of the test's own: the budgets of other test runs on the same Redis
    # (keyed by prefix and database) are not this test's.
    return {"BUS_CHANNEL_PREFIX": prefix, **values}


@pytest.mark.server
async def test_two_processes_share_one_budget_through_redis(backend: Backend) -> None:
    # given two server processes with anonymous budgets of 20
    env = _server_env(f"vc-rl-{uuid.uuid4().hex[:8]}", RATE_LIMIT_ANONYMOUS="20")
    a = ServerProcess(backend.settings, env=env)
    b = ServerProcess(backend.settings, env=env)
    await a.astart()
    await b.astart()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            # when one caller spends 6 on each in turn, four times
            statuses = []
            for server in (a, b, a, b):
                response = await http.post(server.graphql_url, json={"query": SIX})
                statuses.append(response.status_code)
    finally:
        await a.astop()
        await b.astop()
        a.close()
        b.close()

    # then with Redis they draw on one budget (the fourth request is refused); in process
    # memory each process has a budget of its own
    if backend.settings.broadcast_url.startswith("redis"):
        assert statuses == [200, 200, 200, 429]
    else:
        assert statuses == [200, 200, 200, 200]


@pytest.mark.server
async def test_subscriptions_are_charged_when_they_start(backend: Backend) -> None:
    # given a volunteer with a budget of 5 on a real server
    env = _server_env(f"vc-rl-{uuid.uuid4().hex[:8]}", RATE_LIMIT_USER="5")
    server = ServerProcess(backend.settings, env=env)
    await make_volunteer("busy.volunteer")
    token = (await accounts.login("busy.volunteer", "correct-horse-9")).access_token
    await server.astart()
    try:
        async with authenticated(server.ws_url, token) as ws:
            # when they start three subscriptions costing 2 each
            for op in ("one", "two", "three"):
                await ws.subscribe(op, SUBSCRIPTION)
            refused = await ws.receive()

        async with httpx.AsyncClient(timeout=10) as http:
            query = await http.post(
                server.graphql_url,
                json={"query": "query { me { username } myVolunteer { id } }"},
                headers={"authorization": f"Bearer {token}"},
            )
    finally:
        await server.astop()
        server.close()

    # then one of the three is refused (they start concurrently, so which one is not known;
    # the other two are live and silent), and so is the next query over HTTP, costing 2 where
    # 1 is left: one user, one budget
    assert refused["id"] in ("one", "two", "three"), refused
    payload = refused["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["RATE_LIMITED"]
    assert query.status_code == 429


async def test_the_command_line_sets_and_resets_an_app_budget(backend: Backend) -> None:
    client, _ = await accounts.create_api_client("national system", [Scope.READ])

    given = _cli(backend, "set-cost-budget", str(client.id), "250000")
    assert given.returncode == 0, given.stderr
    assert await rate_limits.client_budget(client.id) == 250000

    reset = _cli(backend, "set-cost-budget", str(client.id), "default")
    refused = _cli(backend, "set-cost-budget", "999999", "5")
    assert reset.returncode == 0 and await rate_limits.client_budget(client.id) is None
    assert refused.returncode == 1 and "CLIENT_NOT_FOUND" in refused.stdout


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


async def test_requests_go_through_unbudgeted_while_the_budget_store_is_down(
    backend: Backend,
) -> None:
    # given budgets kept in a Redis that is not there
    down = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(budgets(backend.settings, rate_limit_storage_url=down))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as http:
        # when more is asked than the budget of 20 would allow
        answers = [await post(http, SIX) for _ in range(5)]

    # then everything is served, and no budget is reported
    assert [a.status_code for a in answers] == [200] * 5
    assert "budget" not in answers[-1].json()["extensions"]["cost"]
