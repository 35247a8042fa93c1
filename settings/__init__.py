"""Configuration from the environment, with safe embedded defaults.

Everything the process needs to know about its surroundings is read here once; the rest of the
code receives a `Settings` value and never reads `os.environ` itself.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

DEFAULT_SECRET_KEY = "dev-insecure-secret-change-me-not-for-production"  # noqa: S105 - the refused default
DEFAULT_DATABASE_URL = "sqlite://var/volunteer-city.sqlite3"
DEFAULT_MEDIA_DIR = "var/media"
DEFAULT_STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)
OPEN311_CONTACT = "Huizhou digital city management (数字城管) command centre, 12319."
OPEN311_KEY_SERVICE = (
    "Ask the city's IT department for an API client with the open311:write scope "
    "(volunteer-city create-api-client NAME --scope open311:write)."
)
OPEN311_CHANGESET = "2026-11-30T00:00:00Z"
# Loopback and the private ranges: where a Prometheus server scrapes from inside a deployment.
DEFAULT_METRICS_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
)


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


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = (os.environ.get(name) or default).strip().lower()
    if raw not in allowed:
        raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _networks(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_METRICS_NETWORKS
    values = tuple(part.strip() for part in raw.split(",") if part.strip())
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ConfigurationError(f"METRICS_ALLOWED_NETWORKS: bad network {value!r}") from exc
    return values


def _non_negative_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value >= 0:
        raise ConfigurationError(f"{name} must not be negative, got {raw!r}")
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
    # Uploaded civic-issue photos: where the local storage keeps them (beside the SQLite
    # database by default), the URL prefix they are served under (a CDN's, or our /media
    # route), and the limits of one upload.
    media_dir: str = DEFAULT_MEDIA_DIR
    media_base_url: str = "/media"
    max_photo_bytes: int = 8 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    # Rewards: how long a redemption's one-time code stays valid, and how many service cards
    # one provider account may look up per hour (a brake on guessing card numbers).
    redemption_valid_days: int = 30
    card_checks_per_hour: int = 300
    # Open311 service discovery: who to ask, how an app gets a key, and the changeset that tells
    # apps to refresh their cached service list (bump it when the catalogue changes).
    open311_contact: str = OPEN311_CONTACT
    open311_key_service: str = OPEN311_KEY_SERVICE
    open311_changeset: str = OPEN311_CHANGESET
    # Query cost (see schema/cost.py): the most one request may cost, and the cost budgets per
    # window of an anonymous caller (per IP), a user and an API client; 0 is no budget at all.
    max_query_cost: int = 20_000
    rate_limit_window_seconds: int = 60
    rate_limit_anonymous: int = 20_000
    rate_limit_user: int = 50_000
    rate_limit_client: int = 100_000
    # Where budgets are counted: empty follows BROADCAST_URL when it is Redis (shared by every
    # process), and is in-process memory otherwise.
    rate_limit_storage_url: str = ""
    # Exports leave out rows changed in the last seconds: a transaction that stamped a row
    # earlier may still be committing, and a sync that moved past it would never see it.
    export_settle_seconds: float = 5.0
    # Logs: "json" or "text"; empty is json in production and text elsewhere.
    log_format: str = ""
    log_level: str = "INFO"
    metrics_allowed_networks: tuple[str, ...] = DEFAULT_METRICS_NETWORKS
    # API keys: how long the previous key keeps working after a rotation (0: it dies at once).
    api_key_grace_seconds: int = 24 * 3600
    # Webhooks (see services/webhook_worker.py): whether this process sends them, the receiver's
    # time limit, the retry window and the back-off between attempts, how often the event log is
    # scanned, and how many webhooks one process serves at once.
    webhook_worker: bool = True
    webhook_timeout_seconds: float = 10.0
    webhook_retry_window_seconds: float = 3 * 24 * 3600
    webhook_backoff_base_seconds: float = 10.0
    webhook_backoff_cap_seconds: float = 3600.0
    webhook_poll_seconds: float = 1.0
    webhook_concurrency: int = 8
    webhook_require_https: bool = False
    # Whether webhook targets may be loopback, private, link-local or other non-public
    # addresses (services/webhook_targets.py): never in production, where a webhook must not
    # reach into the city's own network.
    webhook_allow_private_targets: bool = True
    # How long deliveries are also signed with a webhook's secret from before a rotation.
    webhook_secret_grace_seconds: int = 24 * 3600
    # Certificates of service: whether platform administrators may issue on an organisation's
    # behalf, the CJK TrueType font (.ttf or .ttc, Debian's fonts-wqy-microhei by default) the
    # PDF embeds, and the public address its QR code and verification link point to.
    certificates_platform_issues: bool = False
    certificate_font_path: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    public_base_url: str = "http://127.0.0.1:8000"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.is_production else "text")

    @property
    def effective_rate_limit_storage_url(self) -> str:
        if self.rate_limit_storage_url:
            return self.rate_limit_storage_url
        return self.broadcast_url if self.broadcast_url.startswith("redis") else "memory://"

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))

    def check(self) -> None:
        """Refuse configurations that are unsafe in production."""
        if self.is_production and self.secret_key == DEFAULT_SECRET_KEY:
            raise ConfigurationError("SECRET_KEY must be set in production")
        if self.is_production and len(self.secret_key) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters in production")
        if self.redemption_valid_days < 1 or self.card_checks_per_hour < 1:
            raise ConfigurationError(
                "REDEMPTION_VALID_DAYS and CARD_CHECKS_PER_HOUR must be at least 1"
            )
        if self.rate_limit_window_seconds < 1:
            raise ConfigurationError("RATE_LIMIT_WINDOW_SECONDS must be at least 1")
        budgets = (self.rate_limit_anonymous, self.rate_limit_user, self.rate_limit_client)
        if self.max_query_cost < 1 or min(budgets) < 0:
            raise ConfigurationError(
                "MAX_QUERY_COST must be positive and RATE_LIMIT_* not negative"
            )
        if self.is_production and self.webhook_retry_window_seconds < 24 * 3600:
            raise ConfigurationError("WEBHOOK_RETRY_WINDOW_SECONDS must be a day or more")
        if not 0 <= self.api_key_grace_seconds <= 30 * 24 * 3600:
            raise ConfigurationError("API_KEY_GRACE_SECONDS must be between 0 and 30 days")
        if self.webhook_concurrency < 1:
            raise ConfigurationError("WEBHOOK_CONCURRENCY must be at least 1")
        if not 0 <= self.webhook_secret_grace_seconds <= 30 * 24 * 3600:
            raise ConfigurationError("WEBHOOK_SECRET_GRACE_SECONDS must be between 0 and 30 days")


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be 1 or 0, got {raw!r}")


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
        media_dir=env.get("MEDIA_DIR") or DEFAULT_MEDIA_DIR,
        media_base_url=(env.get("MEDIA_BASE_URL") or "/media").rstrip("/"),
        max_photo_bytes=_int("MAX_PHOTO_BYTES", 8 * 1024 * 1024),
        max_photo_pixels=_int("MAX_PHOTO_PIXELS", 40_000_000),
        redemption_valid_days=_int("REDEMPTION_VALID_DAYS", 30),
        card_checks_per_hour=_int("CARD_CHECKS_PER_HOUR", 300),
        open311_contact=env.get("OPEN311_CONTACT") or OPEN311_CONTACT,
        open311_key_service=env.get("OPEN311_KEY_SERVICE") or OPEN311_KEY_SERVICE,
        open311_changeset=env.get("OPEN311_CHANGESET") or OPEN311_CHANGESET,
        max_query_cost=_int("MAX_QUERY_COST", 20_000),
        rate_limit_window_seconds=_int("RATE_LIMIT_WINDOW_SECONDS", 60),
        rate_limit_anonymous=_int("RATE_LIMIT_ANONYMOUS", 20_000),
        rate_limit_user=_int("RATE_LIMIT_USER", 50_000),
        rate_limit_client=_int("RATE_LIMIT_CLIENT", 100_000),
        rate_limit_storage_url=env.get("RATE_LIMIT_STORAGE_URL", ""),
        export_settle_seconds=_non_negative_seconds("EXPORT_SETTLE_SECONDS", 5.0),
        log_format=_choice("LOG_FORMAT", ("json", "text", ""), ""),
        log_level=_choice("LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper(),
        metrics_allowed_networks=_networks(env.get("METRICS_ALLOWED_NETWORKS")),
        api_key_grace_seconds=_int("API_KEY_GRACE_SECONDS", 24 * 3600),
        webhook_worker=_flag("WEBHOOK_WORKER", True),
        webhook_timeout_seconds=_seconds("WEBHOOK_TIMEOUT_SECONDS", 10.0),
        webhook_retry_window_seconds=_seconds("WEBHOOK_RETRY_WINDOW_SECONDS", 3 * 24 * 3600),
        webhook_backoff_base_seconds=_seconds("WEBHOOK_BACKOFF_BASE_SECONDS", 10.0),
        webhook_backoff_cap_seconds=_seconds("WEBHOOK_BACKOFF_CAP_SECONDS", 3600.0),
        webhook_poll_seconds=_seconds("WEBHOOK_POLL_SECONDS", 1.0),
        webhook_concurrency=_int("WEBHOOK_CONCURRENCY", 8),
        # Signing secrets and payloads should not cross the network in clear in production.
        webhook_require_https=_flag(
            "WEBHOOK_REQUIRE_HTTPS", env.get("ENVIRONMENT", "development") == "production"
        ),
        webhook_allow_private_targets=_flag(
            "WEBHOOK_ALLOW_PRIVATE_TARGETS", env.get("ENVIRONMENT", "development") != "production"
        ),
        webhook_secret_grace_seconds=_int("WEBHOOK_SECRET_GRACE_SECONDS", 24 * 3600),
        certificates_platform_issues=_flag("CERTIFICATES_PLATFORM_ISSUES", False),
        certificate_font_path=env.get("CERTIFICATE_FONT_PATH")
        or "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
    )
    settings.check()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return from_environment()
