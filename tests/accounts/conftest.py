"""Each accounts test counts sign-in attempts afresh, where its backend counts them: in memory on
SQLite + memory, in Redis on PostgreSQL + Redis (under a prefix of the test's own)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from services.accounts.throttle import LoginThrottle, use_throttle
from tests.conftest import Backend

ThrottleFactory = Callable[..., LoginThrottle]


@pytest.fixture
def make_throttle(backend: Backend) -> ThrottleFactory:
    """A throttle on this backend's storage with the given settings changed, installed as the
    process's."""

    def build(**changes: Any) -> LoginThrottle:
        settings = backend.settings.replace(
            bus_channel_prefix=f"vc-test-{uuid.uuid4().hex[:10]}", **changes
        )
        throttle = LoginThrottle(settings)
        use_throttle(throttle)
        return throttle

    return build


@pytest.fixture(autouse=True)
async def fresh_throttle(make_throttle: ThrottleFactory) -> AsyncIterator[LoginThrottle]:
    yield make_throttle()
    use_throttle(None)
