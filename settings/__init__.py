"""Configuration from the environment, with safe embedded defaults.

Everything the process needs to know about its surroundings is read here once; the rest of the
code receives a `Settings` value and never reads `os.environ` itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

DEFAULT_SECRET_KEY = "dev-insecure-secret-change-me-not-for-production"  # noqa: S105 - the refused default
DEFAULT_DATABASE_URL = "sqlite://var/volunteer-city.sqlite3"
DEFAULT_STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)


class ConfigurationError(RuntimeError):
    """The environment describes a configuration we refuse to run with."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def _decimal(name: str, default: Decimal) -> Decimal:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = Decimal(raw)
    except ArithmeticError as exc:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from exc
    if not value.is_finite() or value < 0:
        raise ConfigurationError(f"{name} must be a non-negative number, got {raw!r}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value > 0:
        raise ConfigurationError(f"{name} must be positive, got {raw!r}")
    return value


def _thresholds(raw: str | None) -> tuple[Decimal, ...]:
    if not raw:
        return tuple(Decimal(v) for v in DEFAULT_STAR_THRESHOLDS)
    try:
        values = tuple(Decimal(part.strip()) for part in raw.split(","))
    except ArithmeticError as exc:
        raise ConfigurationError(f"STAR_THRESHOLDS must be numbers, got {raw!r}") from exc
    if len(values) != 5 or list(values) != sorted(set(values)) or values[0] <= 0:
        raise ConfigurationError("STAR_THRESHOLDS must be five increasing positive hour counts")
    return values


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    broadcast_url: str = "memory://"
    secret_key: str = DEFAULT_SECRET_KEY
    db_pool_size: int = 20
    token_ttl_seconds: int = 3600
    refresh_ttl_seconds: int = 14 * 24 * 3600
    star_thresholds: tuple[Decimal, ...] = field(default_factory=lambda: _thresholds(None))
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_aliases: int = 30
    max_subscriptions_per_connection: int = 20
    graphql_cache_size: int = 512
    ws_ping_interval: float = 20.0
    # permessage-deflate compresses every frame once per connection: off by default, as in
    # most push servers, since an event to 10,000 subscribers is compressed 10,000 times.
    ws_per_message_deflate: bool = False
    allowed_origins: tuple[str, ...] = ()
    # Channels on a shared Redis are namespaced, so deployments (and test runs) do not mix.
    bus_channel_prefix: str = "vc"
    # How often each process escalates overdue orders and expires unserved ones.
    dispatch_sweep_seconds: int = 60
    # The community service bank: credits deposited per confirmed hour, the limits of a
    # volunteer's account, and the star level from which credits may be spent.
    credits_per_hour: Decimal = Decimal(1)
    timebank_floor: Decimal = Decimal(0)
    timebank_cap: Decimal = Decimal(1500)
    timebank_min_star_level: int = 1
    # A quiet bus is checked (a round trip to itself) and the event log read this often: the
    # longest a subscriber waits for an event whose bus message was lost, e.g. in a Redis restart.
    hub_heartbeat_seconds: float = 5.0

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))

    def check(self) -> None:
        """Refuse configurations that are unsafe in production."""
        if self.is_production and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigurationError("SECRET_KEY must be set in production")
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters in production")


def from_environment() -> Settings:
    env = os.environ
    origins = tuple(o.strip() for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip())
    settings = Settings(
        environment=env.get("ENVIRONMENT", "development"),
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        broadcast_url=env.get("BROADCAST_URL") or "memory://",
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
        db_pool_size=_int("DB_POOL_SIZE", 20),
        token_ttl_seconds=_int("TOKEN_TTL_SECONDS", 3600),
        refresh_ttl_seconds=_int("REFRESH_TTL_SECONDS", 14 * 24 * 3600),
        star_thresholds=_thresholds(env.get("STAR_THRESHOLDS")),
        max_query_depth=_int("MAX_QUERY_DEPTH", 12),
        max_query_tokens=_int("MAX_QUERY_TOKENS", 2000),
        max_aliases=_int("MAX_ALIASES", 30),
        max_subscriptions_per_connection=_int("MAX_SUBSCRIPTIONS_PER_CONNECTION", 20),
        graphql_cache_size=_int("GRAPHQL_CACHE_SIZE", 512),
        ws_ping_interval=float(_int("WS_PING_INTERVAL", 20)),
        ws_per_message_deflate=env.get("WS_PER_MESSAGE_DEFLATE", "").lower()
        in ("1", "true", "yes"),
        allowed_origins=origins,
        bus_channel_prefix=env.get("BUS_CHANNEL_PREFIX") or "vc",
        dispatch_sweep_seconds=_int("DISPATCH_SWEEP_SECONDS", 60),
        credits_per_hour=_decimal("CREDITS_PER_HOUR", Decimal(1)),
        timebank_floor=_decimal("TIMEBANK_FLOOR", Decimal(0)),
        timebank_cap=_decimal("TIMEBANK_CAP", Decimal(1500)),
        timebank_min_star_level=_int("TIMEBANK_MIN_STAR_LEVEL", 1),
        hub_heartbeat_seconds=_seconds("HUB_HEARTBEAT_SECONDS", 5.0),
    )
    settings.check()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return from_environment()
