"""Sign-in throttling: per account and per client IP, refused before any password is checked,
with a retry time, and never a lock that outlasts its window."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from argon2 import PasswordHasher
from limits.aio.storage import MemoryStorage

from schema.core.context import Context
from services import accounts
from services.accounts.throttle import LoginThrottle
from tests.accounts.conftest import ThrottleFactory
from tests.conftest import Backend
from tests.support import SCHEMA

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token errors { code message field retryAfter } }
}"""
PASSWORD = "s3cure-pass"


class CountingHasher(PasswordHasher):
    """The tests' fast hasher, counting the password checks it is asked for."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.checks = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.checks += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


async def login(username: str, password: str, address: str | None = None) -> dict[str, Any]:
    request = SimpleNamespace(client=SimpleNamespace(host=address)) if address else None
    result = await SCHEMA.execute(
        LOGIN,
        variable_values={"input": {"username": username, "password": password}},
        context_value=Context(request=request),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    payload: dict[str, Any] = result.data["login"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


@pytest.mark.parametrize("username", ["li.ming", "nobody.here"])
async def test_200_wrong_passwords_in_a_row_are_not_all_checked(
    make_throttle: ThrottleFactory, hasher: CountingHasher, username: str
) -> None:
    # given an account throttled after 5 failures in 15 minutes (the same for an unknown name,
    # so that the throttle does not tell which accounts exist)
    make_throttle(login_failures_per_account=5, login_throttle_window_seconds=900)
    await accounts.create_user("li.ming", PASSWORD)
    hasher.checks = 0

    # when someone tries 200 wrong passwords in a row
    answers = [await login(username, f"guess-{n:04d}") for n in range(200)]

    # then only the first 5 were checked; the others were refused, coded, with a retry time
    assert hasher.checks == 5
    assert [codes(a) for a in answers[:5]] == [["INVALID_CREDENTIALS"]] * 5
    refused = answers[5:]
    assert all(codes(a) == ["TOO_MANY_ATTEMPTS"] and a["token"] is None for a in refused)
    retry_after = refused[-1]["errors"][0]["retryAfter"]
    assert 0 < retry_after <= 900
    assert f"{retry_after} seconds" in refused[-1]["errors"][0]["message"]
    # and while throttled even the right password is not checked
    if username == "li.ming":
        assert codes(await login("li.ming", PASSWORD)) == ["TOO_MANY_ATTEMPTS"]
        assert hasher.checks == 5


async def test_concurrent_guesses_are_counted_before_they_are_checked(
    make_throttle: ThrottleFactory, hasher: CountingHasher
) -> None:
    make_throttle(login_failures_per_account=5)
    await accounts.create_user("li.ming", PASSWORD)
    hasher.checks = 0

    answers = await asyncio.gather(*(login("li.ming", f"guess-{n}") for n in range(50)))

    assert hasher.checks == 5
    assert sorted(c for a in answers for c in codes(a)).count("TOO_MANY_ATTEMPTS") == 45


async def test_the_throttle_is_a_window_not_a_lock(make_throttle: ThrottleFactory) -> None:
    # given an account throttled after 3 failures within one second
    make_throttle(login_failures_per_account=3, login_throttle_window_seconds=1)
    await accounts.create_user("li.ming", PASSWORD)
    for n in range(3):
        await login("li.ming", f"guess-{n}")
    assert codes(await login("li.ming", PASSWORD)) == ["TOO_MANY_ATTEMPTS"]

    # when the window has passed
    await asyncio.sleep(2.2)

    # then the owner signs in
    answer = await login("li.ming", PASSWORD)
    assert answer["errors"] == [] and answer["token"]


async def test_a_successful_sign_in_resets_the_accounts_count(
    make_throttle: ThrottleFactory,
) -> None:
    make_throttle(login_failures_per_account=3)
    await accounts.create_user("li.ming", PASSWORD)
    for _ in range(3):
        await login("li.ming", "wrong-pass-1")
        await login("li.ming", "wrong-pass-2")
        # two failures, then a success: never three in a row
        assert (await login("li.ming", PASSWORD))["errors"] == []


async def test_one_address_is_throttled_across_accounts_and_others_are_not(
    make_throttle: ThrottleFactory, hasher: CountingHasher
) -> None:
    # given a throttle of 4 failures per client address
    make_throttle(login_failures_per_ip=4, login_failures_per_account=100)
    await accounts.create_user("li.ming", PASSWORD)

    # when one address guesses at four different accounts
    for n in range(4):
        assert codes(await login(f"user.{n}", "guess-pass", "203.0.113.7")) == [
            "INVALID_CREDENTIALS"
        ]
    checks = hasher.checks

    # then it is refused for any account, unchecked, while another address signs in
    refused = await login("li.ming", PASSWORD, "203.0.113.7")
    assert codes(refused) == ["TOO_MANY_ATTEMPTS"] and refused["errors"][0]["retryAfter"] > 0
    assert hasher.checks == checks
    assert (await login("li.ming", PASSWORD, "198.51.100.2"))["errors"] == []


async def test_successes_do_not_count_against_an_address(make_throttle: ThrottleFactory) -> None:
    make_throttle(login_failures_per_ip=2)
    await accounts.create_user("li.ming", PASSWORD)
    for _ in range(5):
        assert (await login("li.ming", PASSWORD, "203.0.113.7"))["errors"] == []


async def test_a_failing_redis_still_throttles_in_process_memory(
    make_throttle: ThrottleFactory, hasher: CountingHasher
) -> None:
    # given a throttle whose Redis refuses connections
    make_throttle(
        rate_limit_storage_url="redis://127.0.0.1:1/0",
        login_failures_per_account=3,
    )
    await accounts.create_user("li.ming", PASSWORD)
    hasher.checks = 0

    # when someone keeps guessing
    answers = [await login("li.ming", f"guess-{n}") for n in range(10)]

    # then the process counted on its own
    assert hasher.checks == 3
    assert codes(answers[-1]) == ["TOO_MANY_ATTEMPTS"]


async def test_no_username_reaches_the_log(
    make_throttle: ThrottleFactory, caplog: pytest.LogCaptureFixture
) -> None:
    make_throttle(login_failures_per_account=2)
    await accounts.create_user("li.ming", PASSWORD)
    with caplog.at_level(logging.DEBUG, logger="volunteer_city"):
        for n in range(4):
            await login("li.ming", f"guess-{n}", "203.0.113.7")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign-in refused" in text
    assert "li.ming" not in text and "203.0.113.7" not in text


@pytest.mark.parametrize(
    "name",
    ["login_failures_per_account", "login_failures_per_ip", "login_throttle_window_seconds"],
)
def test_throttle_settings_below_one_are_refused(make_throttle: ThrottleFactory, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        make_throttle(**{name: 0})


def test_the_counter_keys_hold_no_username(fresh_throttle: LoginThrottle) -> None:
    key = fresh_throttle._key("li.ming")
    assert "li.ming" not in key and len(key) == 32
    assert key != fresh_throttle._key("Li.Ming")


async def test_the_counts_live_where_the_cost_budgets_do(
    backend: Backend, make_throttle: ThrottleFactory
) -> None:
    # given the throttle of this backend (Redis on the PostgreSQL + Redis pass)
    throttle = make_throttle(login_failures_per_account=3)
    await login("li.ming", "guess-pass")
    storage = throttle._shared.storage
    if not backend.settings.broadcast_url.startswith("redis"):
        assert isinstance(storage, MemoryStorage)
        return
    # then the attempt was counted in Redis, under a key that names no account
    from redis.asyncio import Redis

    client: Redis = Redis.from_url(backend.settings.broadcast_url)
    try:
        keys = [
            k.decode()
            async for k in client.scan_iter(match=f"{throttle.settings.bus_channel_prefix}:login:*")
        ]
    finally:
        await client.aclose()
    assert keys and all("li.ming" not in k for k in keys)
