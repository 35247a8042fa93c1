"""Sign-in throttling: a brake on guessing passwords, per account and per client IP.

Per account, every password check is counted before it runs (so that concurrent guesses are
counted too) and a successful sign-in clears the count: an account refuses checks once it has
had `LOGIN_FAILURES_PER_ACCOUNT` failures within the sliding window. Per IP, failures are counted
after the check, whatever the account, up to `LOGIN_FAILURES_PER_IP`. A refused attempt costs no
argon2 work and says when to try again (`retry_after`). Nothing locks for good: a window after
the last failure the account signs in again, so an attacker can slow a person down, never shut
them out; an administrator's password reset clears the account's count at once.

The counters live where the cost budgets live (api/ratelimit.py): Redis when the deployment has
it, so every process counts together, and process memory otherwise. Accounts are keyed by an
HMAC of the username, so neither Redis nor a log ever holds one. If Redis fails, this process
counts on in its own memory rather than letting guesses through unthrottled.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from services.common.errors import DomainError, Problem
from settings import Settings, get_settings

log = logging.getLogger("volunteer_city.accounts")
# After a storage failure this process counts in memory for this long before trying Redis
# again, and says so in the log at most once per interval.
FAILURE_PAUSE = 5.0
FAILURE_LOG_INTERVAL = 60.0
T = TypeVar("T")


@dataclass(frozen=True)
class ThrottledProblem(Problem):
    """A refused attempt: `retry_after` seconds until one more is allowed."""

    retry_after: int = 1


def _storage(settings: Settings) -> Storage:
    url = settings.effective_rate_limit_storage_url
    if not url.startswith(("redis://", "rediss://")):
        return MemoryStorage()
    database = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    storage = storage_from_string(
        f"async+{url}",
        implementation="redispy",
        key_prefix=f"{settings.bus_channel_prefix}:login:{database}",
        socket_timeout=2,
        socket_connect_timeout=2,
    )
    assert isinstance(storage, Storage)
    return storage


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        window = settings.login_throttle_window_seconds
        self.settings = settings
        self._secret = settings.secret_key.encode()
        self._account: RateLimitItem = RateLimitItemPerSecond(
            settings.login_failures_per_account, window
        )
        self._ip: RateLimitItem = RateLimitItemPerSecond(settings.login_failures_per_ip, window)
        self._shared = SlidingWindowCounterRateLimiter(_storage(settings))
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._local_until = 0.0
        self._last_failure_log = -FAILURE_LOG_INTERVAL

    def _key(self, username: str) -> str:
        return hmac.new(self._secret, username.encode(), hashlib.sha256).hexdigest()[:32]

    async def admit(self, username: str, address: str | None, code: Enum) -> None:
        """Counts one password check of `username` from `address`, or refuses it (a
        `DomainError` with `code`) when either is throttled."""
        if address is not None and not await self._run(lambda s: s.test(self._ip, "ip", address)):
            raise await self._refusal(code, self._ip, "ip", address)
        key = self._key(username)
        if not await self._run(lambda s: s.hit(self._account, "account", key)):
            raise await self._refusal(code, self._account, "account", key)

    async def failed(self, address: str | None) -> None:
        if address is not None:
            await self._run(lambda s: s.hit(self._ip, "ip", address))

    async def cleared(self, username: str) -> None:
        """A successful sign-in, or an administrator's reset: the account starts afresh."""
        key = self._key(username)
        await self._run(lambda s: s.clear(self._account, "account", key))

    async def _refusal(self, code: Enum, item: RateLimitItem, kind: str, key: str) -> DomainError:
        stats = await self._run(lambda s: s.get_window_stats(item, kind, key))
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        # Which limit, but neither the username nor the address: that is not for the log.
        log.info("sign-in refused: too many failed attempts (per %s)", kind)
        message = f"Too many failed sign-in attempts. Try again in {retry_after} seconds."
        return DomainError.many([ThrottledProblem(code, message, None, retry_after)])

    async def _run(self, call: Callable[[SlidingWindowCounterRateLimiter], Awaitable[T]]) -> T:
        if time.monotonic() < self._local_until:
            return await call(self._local)
        try:
            return await call(self._shared)
        except Exception as exc:
            self._storage_failed(exc)
            return await call(self._local)

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._local_until = now + FAILURE_PAUSE
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL:
            self._last_failure_log = now
            log.warning("login throttle storage unavailable, counting in this process: %s", exc)


_throttle: LoginThrottle | None = None


def login_throttle() -> LoginThrottle:
    """The process's throttle, built from the process-wide settings on first use."""
    global _throttle
    if _throttle is None:
        _throttle = LoginThrottle(get_settings())
    return _throttle


def use_throttle(throttle: LoginThrottle | None) -> None:
    """Replaces the process's throttle (tests: one per test and backend); None rebuilds it from
    the settings on next use."""
    global _throttle
    _throttle = throttle
