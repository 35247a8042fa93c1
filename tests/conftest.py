"""Every test runs twice: on SQLite + the memory bus, and on PostgreSQL + Redis.

The second pass needs TEST_DATABASE_URL and TEST_REDIS_URL; without them it is skipped with one
reason, and with REQUIRE_SERVICES=1 an unreachable service fails the run instead."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asyncpg.exceptions import DeadlockDetectedError
from tortoise import connections
from tortoise.models import Model

import models
from models.db import apply_migrations, close_database, open_database
from settings import Settings
from tests.support import DatabaseServer

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SERVICES_GIVEN = bool(os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL"))
SKIP_LINE = "PostgreSQL + Redis pass skipped ({n} tests): set TEST_DATABASE_URL and TEST_REDIS_URL"
_skipped_pass: list[pytest.Item] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the services, drop the second pass whole and say so in one line, instead of
    one skip per test."""
    if SERVICES_GIVEN or REQUIRE_SERVICES:
        return
    keep = [i for i in items if "postgres+redis" not in getattr(i, "callspec", _NoSpec).id]
    _skipped_pass.extend(i for i in items if i not in keep)
    if _skipped_pass:
        config.hook.pytest_deselected(items=_skipped_pass)
        items[:] = keep


class _NoSpec:
    id = ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_pass:
        terminalreporter.write_line(SKIP_LINE.format(n=len(_skipped_pass)), yellow=True)


@dataclass(frozen=True)
class Backend:
    name: str
    settings: Settings

    @property
    def is_postgres(self) -> bool:
        return self.settings.uses_postgres


def _service_problem(name: str, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{name}: {reason} (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(f"{name}: {reason}")


@pytest.fixture(scope="session", params=["sqlite+memory", "postgres+redis"])
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    base = Settings()
    if request.param == "sqlite+memory":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        settings = base.replace(database_url=f"sqlite://{path}", broadcast_url="memory://")
        yield await _open(Backend(request.param, settings))
        await close_database()
        return

    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not database_url or not redis_url:
        _service_problem(
            "PostgreSQL + Redis run skipped", "set TEST_DATABASE_URL and TEST_REDIS_URL"
        )
    assert database_url and redis_url
    server = DatabaseServer(database_url)
    name = f"vc_test_{uuid.uuid4().hex[:10]}"
    try:
        await server.create(name)
    except OSError as exc:
        _service_problem("PostgreSQL unreachable", str(exc))
    if not await _redis_answers(redis_url):
        await server.drop(name)
        _service_problem("Redis unreachable", redis_url)
    settings = base.replace(database_url=server.url_for(name), broadcast_url=redis_url)
    try:
        yield await _open(Backend(request.param, settings))
    finally:
        await close_database()
        await server.drop(name)


async def _redis_answers(url: str) -> bool:
    from redis.asyncio import Redis

    client: Redis = Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


async def _open(backend: Backend) -> Backend:
    from tortoise.backends.base import executor

    await close_database()
    # Tortoise caches INSERT statements per connection name; this session switches the
    # "default" connection from SQLite to PostgreSQL, whose placeholders differ.
    executor.EXECUTOR_CACHE.clear()
    await apply_migrations(backend.settings)
    await open_database(backend.settings)
    return backend


@pytest.fixture(autouse=True)
async def clean_database(backend: Backend) -> AsyncIterator[None]:
    """Each test starts from empty tables plus the city's reference data."""
    await empty_database(backend)
    yield


async def empty_database(backend: Backend) -> None:
    """Empty tables plus the city's reference data.

    Every id starts again at 1 except the event log's: a live server started by an earlier test
    may still be running, and its event reader (rightly) never reads an id at or below the last
    it saw. Its background writers (the notification worker's NOTIFICATION_CREATED events, the
    sweeper's escalations) may have logged events after the previous test ended, so no figure
    taken by the test process can say where that reader is; only a log that never reuses an id
    keeps it right."""
    from services.geography import ensure_reference_data

    connection = connections.get("default")
    event_table = models.Event._meta.db_table
    tables = sorted(
        {
            value._meta.db_table
            for value in vars(models).values()
            if isinstance(value, type) and issubclass(value, Model) and value._meta.db_table
        }
        - {event_table}
    )
    if backend.is_postgres:
        # One simple query is one transaction; DELETE, unlike TRUNCATE, leaves the id sequence.
        # A live server of an earlier test may be writing meanwhile (its notification worker,
        # its sweeper) and lock the same tables in another order: PostgreSQL then aborts one
        # side as a deadlock, which changed nothing, so try again.
        script = (
            f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE; DELETE FROM {event_table};"
        )
        for attempt in range(5):
            try:
                await connection.execute_script(script)
                break
            except DeadlockDetectedError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
    else:
        await connection.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f"DELETE FROM {t};" for t in [*tables, event_table])
            + f"DELETE FROM sqlite_sequence WHERE name != '{event_table}';PRAGMA foreign_keys=ON;"
        )
    await ensure_reference_data()


@pytest.fixture(scope="session")
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """Production argon2 parameters cost ~50 ms a hash; tests make hundreds of accounts."""
    from argon2 import PasswordHasher

    from services import accounts

    production = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = production


_CHANNEL_PREFIX = f"vc-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def hub(backend: Backend, clean_database: None) -> AsyncIterator[object]:
    """A running event hub on this backend's bus, on a channel no other test run shares."""
    from subscriptions.bus import Bus
    from subscriptions.hub import EventHub

    bus = Bus(backend.settings.broadcast_url, channel_prefix=_CHANNEL_PREFIX)
    await bus.connect()
    event_hub = EventHub(bus, heartbeat_seconds=1.0)
    await event_hub.start()
    try:
        yield event_hub
    finally:
        await event_hub.stop()
        await bus.disconnect()


@pytest.fixture(autouse=True, scope="session")
def media_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Uploaded photos go to a directory of this run, never to the working tree's var/."""
    from services.common.storage import LocalStorage, set_storage

    root = tmp_path_factory.mktemp("media")
    set_storage(LocalStorage(root))
    yield root
    set_storage(None)
