"""Cost budgets per caller and time window, with the `limits` library.

Who pays: an API client by its id, a signed-in user by theirs, anyone else by IP address (the
peer uvicorn reports, which behind a proxy is the forwarded client when FORWARDED_ALLOW_IPS
trusts the proxy). What: each request's query cost (schema/limits/cost.py), at least 1. How: a
sliding window counter (limits' SlidingWindowCounterRateLimiter) in Redis when the deployment
has Redis, so that every process draws on one budget, and in process memory otherwise.

Keys are namespaced by the bus channel prefix and the database: user and client ids are only
unique within one database, so two deployments sharing a Redis must not share their budgets.
If the storage fails, requests are let through (logged): a Redis outage must not take the API
down with it.

`UploadBudget` is a second, separate budget: uploads (multipart requests, i.e. civic reports
and their photos) per client IP, counted before the body is read, since each photo costs a
decode. Staff and civic supervisors, signed in, are not counted: reporting is their job.
"""

from __future__ import annotations

import hashlib
import logging
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from models.accounts import Role
from schema.core.context import Context
from schema.limits.budget import BudgetState
from services.api_clients import rate_limits
from services.civic.lifecycle import supervisor_of
from services.common.principal import Principal
from settings import Settings

log = logging.getLogger("volunteer_city.ratelimit")
# A client's own budget is read from the database at most this often per process.
CLIENT_BUDGET_TTL = 60.0
# A failing storage is reported at most this often, not once per request.
FAILURE_LOG_INTERVAL = 60.0
# After a storage failure, requests go unbudgeted for this long instead of each waiting for
# the storage's timeout.
FAILURE_PAUSE = 5.0


def _storage(settings: Settings) -> Storage:
    url = settings.effective_rate_limit_storage_url
    if not url.startswith(("redis://", "rediss://")):
        return MemoryStorage()
    database = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    storage = storage_from_string(
        f"async+{url}",
        implementation="redispy",
        key_prefix=f"{settings.bus_channel_prefix}:ratelimit:{database}",
        socket_timeout=2,
        socket_connect_timeout=2,
    )
    assert isinstance(storage, Storage)
    return storage


def caller_key(principal: Principal, address: str | None) -> tuple[str, str]:
    """(kind, identifier) of who pays: "client", "user" or "ip"."""
    if principal.api_client_id is not None:
        return "client", str(principal.api_client_id)
    if principal.user_id is not None:
        return "user", str(principal.user_id)
    return "ip", address or "unknown"


def address_of(context: Context) -> str | None:
    client = getattr(context.request, "client", None)
    return getattr(client, "host", None)


class RateLimiter:
    """The server's `Budget` (schema/limits/cost.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.storage = _storage(settings)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self._client_budgets: dict[int, tuple[float, int | None]] = {}
        self._last_failure_log = -FAILURE_LOG_INTERVAL
        self._paused_until = 0.0

    async def _budget(self, kind: str, identifier: str) -> int:
        if kind == "user":
            return self.settings.rate_limit_user
        if kind == "ip":
            return self.settings.rate_limit_anonymous
        client_id = int(identifier)
        now = time.monotonic()
        cached = self._client_budgets.get(client_id)
        if cached is None or cached[0] < now:
            own = await rate_limits.client_budget(client_id)
            cached = self._client_budgets[client_id] = (now + CLIENT_BUDGET_TTL, own)
        return cached[1] if cached[1] is not None else self.settings.rate_limit_client

    def _item(self, budget: int) -> RateLimitItem:
        return RateLimitItemPerSecond(budget, self.settings.rate_limit_window_seconds)

    async def spend(self, context: Context, cost: int) -> BudgetState | None:
        return await self._consult(context, cost)

    async def peek(self, context: Context) -> BudgetState | None:
        return await self._consult(context, None)

    async def _consult(self, context: Context, cost: int | None) -> BudgetState | None:
        kind, identifier = caller_key(context.principal, address_of(context))
        budget = await self._budget(kind, identifier)
        if budget <= 0 or time.monotonic() < self._paused_until:
            return None
        item = self._item(budget)
        try:
            allowed = True
            if cost is not None:
                allowed = await self.strategy.hit(item, kind, identifier, cost=cost)
            stats = await self.strategy.get_window_stats(item, kind, identifier)
        except Exception as exc:
            self._storage_failed(exc)
            return None
        return BudgetState(
            allowed=allowed,
            limit=budget,
            remaining=stats.remaining,
            reset_after=max(0.0, stats.reset_time - time.time()),
            window_seconds=self.settings.rate_limit_window_seconds,
        )

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._paused_until = now + FAILURE_PAUSE
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL:
            self._last_failure_log = now
            log.warning("rate-limit storage unavailable, letting requests through: %s", exc)


# Who uploads without counting against the per-IP budget.
UNCOUNTED_ROLES = (Role.DISPATCHER, Role.ADMIN)


class UploadBudget:
    """`settings.upload_budget_per_ip` uploads per IP and window, shared by every process when
    the budgets are in Redis (the same storage as the cost budgets)."""

    def __init__(self, settings: Settings, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.item = RateLimitItemPerSecond(
            settings.upload_budget_per_ip, settings.upload_budget_window_seconds
        )
        self.enabled = settings.upload_budget_per_ip > 0
        self.strategy = SlidingWindowCounterRateLimiter(limiter.storage)

    async def exempt(self, principal: Principal) -> bool:
        if principal.user_id is None:
            return False
        if principal.has_role(*UNCOUNTED_ROLES):
            return True
        return await supervisor_of(principal.user_id) is not None

    async def retry_after(self, principal: Principal, address: str | None) -> int | None:
        """Spends one upload; the seconds until the next would be allowed when it is refused,
        None when it is allowed."""
        if not self.enabled or time.monotonic() < self.limiter._paused_until:
            return None
        if await self.exempt(principal):
            return None
        key = address or "unknown"
        try:
            if await self.strategy.hit(self.item, "upload", key):
                return None
            stats = await self.strategy.get_window_stats(self.item, "upload", key)
        except Exception as exc:
            self.limiter._storage_failed(exc)
            return None
        return max(1, int(stats.reset_time - time.time() + 0.999))
