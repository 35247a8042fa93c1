"""Accounts against the real server: tokens whose subject names no user, and sign-in throttling
as a client sees it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from settings import get_settings
from tests.conftest import Backend
from tests.server import ServerProcess, running_server
from tests.support import make_user
from tests.ws_client import ws_connect

pytestmark = pytest.mark.server

ME = "query Me { me { username } }"
LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    token errors { code retryAfter }
  }
}"""
# Subjects a validly signed token may carry that name no user: not a number, beyond every
# database's integer range, negative, zero, fractional, padded, not a string at all.
SUBJECTS: list[Any] = ["abc", str(2**70), str(2**31), "-1", "0", "1.5", " 1", "1e3", "٣", 5, 1.0]


def signed(subject: Any) -> str:
    """An HS256 token with our key, built by hand: PyJWT refuses to encode a non-string
    subject, and an attacker's token need not come from PyJWT."""
    claims = {
        "sub": subject,
        "ver": 0,
        "typ": "access",
        "sid": "0" * 32,
        "exp": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
    }

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = ".".join(
        part(json.dumps(value).encode()) for value in ({"alg": "HS256", "typ": "JWT"}, claims)
    )
    key = get_settings().secret_key.encode()
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[ServerProcess]:
    env = {"LOGIN_FAILURES_PER_ACCOUNT": "3", "LOGIN_FAILURES_PER_IP": "1000"}
    with running_server(backend.settings, env=env) as running:
        yield running


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http


@pytest.mark.parametrize("subject", SUBJECTS, ids=repr)
async def test_a_token_naming_no_user_is_a_401(client: httpx.AsyncClient, subject: Any) -> None:
    # given a user with id 1 (so that a lenient parse of the subject would find someone)
    await make_user("li.ming")

    # when a correctly signed token with such a subject is the bearer
    response = await client.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {signed(subject)}"}
    )

    # then the request is refused as unauthenticated, not failed
    assert response.status_code == 401
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["NOT_AUTHENTICATED"]


@pytest.mark.parametrize("subject", SUBJECTS, ids=repr)
async def test_a_token_naming_no_user_closes_the_websocket_with_4403(
    server: ServerProcess, subject: Any
) -> None:
    await make_user("li.ming")
    async with ws_connect(server.ws_url) as ws:
        await ws.send({"type": "connection_init", "payload": {"token": signed(subject)}})
        code, _ = await ws.wait_closed()
    assert code == 4403


async def test_a_valid_subject_still_signs_in_over_both(server: ServerProcess) -> None:
    user, _ = await make_user("li.ming")
    token = signed(str(user.id))
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
        )
    assert response.json()["data"] == {"me": {"username": "li.ming"}}
    async with ws_connect(server.ws_url) as ws:
        assert (await ws.init({"token": token}))["type"] == "connection_ack"


async def test_guessing_over_http_is_throttled_and_logged_without_the_username(
    server: ServerProcess, client: httpx.AsyncClient
) -> None:
    # given an account on a server that throttles after 3 failures
    await make_user("zhao.guesswork")

    # when a client keeps guessing
    answers = []
    for n in range(6):
        response = await client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"username": "zhao.guesswork", "password": f"g{n}"}},
        )
        answers.append(response.json()["data"]["login"])

    # then the fourth and later attempts are refused with a retry time
    assert [a["errors"][0]["code"] for a in answers] == ["INVALID_CREDENTIALS"] * 3 + [
        "TOO_MANY_ATTEMPTS"
    ] * 3
    assert all(0 < a["errors"][0]["retryAfter"] <= 900 for a in answers[3:])
    # and the server's log knows it happened, but not to whom
    log = server.log_text()
    assert "sign-in refused" in log
    assert "zhao.guesswork" not in log
