"""Configuration from the environment, with safe embedded defaults.

Everything the process needs to know about its surroundings is read here once; the rest of the
code receives a `Settings` value and never reads `os.environ` itself. Each variable is one field
below, named as the variable in lower case, with its type, default and bounds; the kinds of
value (flags, durations, lists, URLs) are parsed one way for all in `settings/values.py`. A
value that does not fit is refused when the settings are read, with the variable's name.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from settings.values import (
    Amount,
    BaseUrl,
    Flag,
    Lowered,
    Networks,
    NonNegativeSeconds,
    Origins,
    Raised,
    Seconds,
    StarThresholds,
    is_public_url,
    url_with_scheme,
)

DEFAULT_SECRET_KEY = "dev-insecure-secret-change-me-not-for-production"  # noqa: S105 - the refused default
DAY = 24 * 3600
MAX_GRACE_SECONDS = 30 * DAY

DatabaseUrl = Annotated[str, url_with_scheme("sqlite", "postgres", "postgresql", "asyncpg")]
# The schemes broadcaster has a backend for.
BroadcastUrl = Annotated[
    str,
    url_with_scheme("memory", "redis", "rediss", "redis-stream", "postgres", "postgresql", "kafka"),
]
# api/ratelimit.py shares budgets through Redis and counts in memory otherwise; any other
# storage would silently be memory.
RateLimitStorageUrl = Annotated[str, url_with_scheme("memory", "redis", "rediss", or_empty=True)]


class ConfigurationError(RuntimeError):
    """The environment describes a configuration we refuse to run with."""

    @classmethod
    def from_validation(cls, error: ValidationError) -> ConfigurationError:
        # A default computed from another field is not computed when that field is refused:
        # that is no news.
        details = [d for d in error.errors() if d["type"] != "default_factory_not_called"]
        return cls("\n".join(_describe(detail) for detail in details))


def _describe(detail: ErrorDetails) -> str:
    cause = detail.get("ctx", {}).get("error")
    message = str(cause) if isinstance(cause, ValueError) else detail["msg"]
    if not detail["loc"]:
        # The checks across fields name their variables themselves.
        return message
    field = str(detail["loc"][0])
    # Secrets and URLs that may carry a password are not repeated back.
    info = Settings.model_fields.get(field)
    shown = "" if info is None or not info.repr else f" (got {detail['input']!r})"
    return f"{field.upper()}: {message}{shown}"


class Settings(BaseSettings):
    """One field per environment variable (`db_pool_size` is DB_POOL_SIZE). An empty
    variable is the same as an unset one: its default.

    A new setting is one line here and nothing else: `name: Type = default`, with bounds as
    `Field(default=…, ge=…, le=…)` (mypy needs `default=` by name) and the kinds of
    `settings/values.py` for flags, durations, lists and URLs; a rule across fields goes in
    `_consistent`."""

    model_config = SettingsConfigDict(
        frozen=True, env_ignore_empty=True, case_sensitive=False, extra="forbid"
    )

    environment: Annotated[str, Lowered] = "development"
    database_url: DatabaseUrl = Field(default="sqlite://var/volunteer-city.sqlite3", repr=False)
    broadcast_url: BroadcastUrl = Field(default="memory://", repr=False)
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, repr=False)
    db_pool_size: int = Field(default=20, ge=1)
    token_ttl_seconds: int = Field(default=3600, ge=1)
    refresh_ttl_seconds: int = Field(default=14 * DAY, ge=1)
    star_thresholds: StarThresholds = tuple(Decimal(v) for v in (100, 300, 600, 1000, 1500))
    max_query_depth: int = Field(default=12, ge=1)
    max_query_tokens: int = Field(default=2000, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    graphql_cache_size: int = Field(default=512, ge=0)
    ws_ping_interval: Seconds = 20.0
    # permessage-deflate compresses every frame once per connection: off by default, as in
    # most push servers, since an event to 10,000 subscribers is compressed 10,000 times.
    ws_per_message_deflate: Flag = False
    allowed_origins: Origins = ()
    # Channels on a shared Redis are namespaced, so deployments (and test runs) do not mix.
    bus_channel_prefix: str = Field(default="vc", min_length=1)
    # How often each process escalates overdue orders and expires unserved ones.
    dispatch_sweep_seconds: Seconds = 60.0
    # The community service bank: credits deposited per confirmed hour, the limits of a
    # volunteer's account, and the star level from which credits may be spent.
    credits_per_hour: Amount = Decimal(1)
    timebank_floor: Amount = Decimal(0)
    timebank_cap: Amount = Decimal(1500)
    timebank_min_star_level: int = Field(default=1, ge=0, le=5)
    # A quiet bus is checked (a round trip to itself) and the event log read this often: the
    # longest a subscriber waits for an event whose bus message was lost, e.g. in a Redis restart.
    hub_heartbeat_seconds: Seconds = 5.0
    # Uploaded civic-issue photos: where the local storage keeps them (beside the SQLite
    # database by default), the URL prefix they are served under (a CDN's, or our /media
    # route), and the limits of one upload.
    media_dir: str = "var/media"
    media_base_url: BaseUrl = "/media"
    max_photo_bytes: int = Field(default=8 * 1024 * 1024, ge=1)
    max_photo_pixels: int = Field(default=40_000_000, ge=1)
    # Rewards: how long a redemption's one-time code stays valid, and how many service cards
    # one provider account may look up per hour (a brake on guessing card numbers).
    redemption_valid_days: int = Field(default=30, ge=1)
    card_checks_per_hour: int = Field(default=300, ge=1)
    # Open311 service discovery: who to ask, how an app gets a key, and the changeset that tells
    # apps to refresh their cached service list (bump it when the catalogue changes).
    open311_contact: str = "Huizhou digital city management (数字城管) command centre, 12319."
    open311_key_service: str = (
        "Ask the city's IT department for an API client with the open311:write scope "
        "(volunteer-city create-api-client NAME --scope open311:write)."
    )
    open311_changeset: str = "2026-11-30T00:00:00Z"
    # Query cost (see schema/limits/cost.py): the most one request may cost, and the cost
    # budgets per window of an anonymous caller (per IP), a user and an API client; 0 is no
    # budget at all.
    max_query_cost: int = Field(default=20_000, ge=1)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_anonymous: int = Field(default=20_000, ge=0)
    rate_limit_user: int = Field(default=50_000, ge=0)
    rate_limit_client: int = Field(default=100_000, ge=0)
    # Where budgets are counted: unset follows BROADCAST_URL when it is Redis (shared by every
    # process), and is in-process memory otherwise.
    rate_limit_storage_url: RateLimitStorageUrl = Field(default="", repr=False)
    # Exports leave out rows changed in the last seconds: a transaction that stamped a row
    # earlier may still be committing, and a sync that moved past it would never see it.
    export_settle_seconds: NonNegativeSeconds = 5.0
    # Logs: "json" or "text"; unset is json in production and text elsewhere.
    log_format: Annotated[Literal["", "json", "text"], Lowered] = ""
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], Raised] = "INFO"
    # Loopback and the private ranges: where a Prometheus server scrapes from inside a deployment.
    metrics_allowed_networks: Networks = (
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
    )
    # API keys: how long the previous key keeps working after a rotation (0: it dies at once).
    api_key_grace_seconds: int = Field(default=DAY, ge=0, le=MAX_GRACE_SECONDS)
    # Webhooks (see services/webhooks/worker.py): whether this process sends them, the
    # receiver's time limit, the retry window and the back-off between attempts, how often the
    # event log is scanned, and how many webhooks one process serves at once.
    webhook_worker: Flag = True
    webhook_timeout_seconds: Seconds = 10.0
    webhook_retry_window_seconds: Seconds = 3.0 * DAY
    webhook_backoff_base_seconds: Seconds = 10.0
    webhook_backoff_cap_seconds: Seconds = 3600.0
    webhook_poll_seconds: Seconds = 1.0
    webhook_concurrency: int = Field(default=8, ge=1)
    # Signing secrets and payloads should not cross the network in clear in production.
    webhook_require_https: Flag = Field(
        default_factory=lambda given: given["environment"] == "production"
    )
    # Whether webhook targets may be loopback, private, link-local or other non-public
    # addresses (services/webhooks/targets.py): never in production, where a webhook must not
    # reach into the city's own network.
    webhook_allow_private_targets: Flag = Field(
        default_factory=lambda given: given["environment"] != "production"
    )
    # How long deliveries are also signed with a webhook's secret from before a rotation.
    webhook_secret_grace_seconds: int = Field(default=DAY, ge=0, le=MAX_GRACE_SECONDS)
    # Notifications (see services/notifications/worker.py): whether this process runs the
    # worker, how often it reads the event log, and how it retries a failed e-mail or SMS.
    notification_worker: Flag = True
    notification_poll_seconds: Seconds = 1.0
    notification_max_attempts: int = Field(default=8, ge=1, le=50)
    notification_backoff_base_seconds: Seconds = 30.0
    notification_backoff_cap_seconds: Seconds = 3600.0
    # Quiet hours in the city's zone (Asia/Shanghai), whole hours from start to end: non-urgent
    # e-mail and SMS wait until they end. Equal hours mean no quiet hours.
    notification_quiet_start_hour: int = Field(default=22, ge=0, le=23)
    notification_quiet_end_hour: int = Field(default=8, ge=0, le=23)
    # At most this many messages per recipient and channel per hour; more events than that are
    # held and go out together as one digest.
    notification_rate_per_hour: int = Field(default=6, ge=1)
    # How long before a benefit code expires its volunteer is reminded, and how often to look.
    notification_expiry_notice_hours: int = Field(default=48, ge=1)
    # How long before an activity session its confirmed volunteers are reminded of it.
    notification_session_notice_hours: int = Field(default=24, ge=1, le=7 * 24)
    notification_reminder_check_seconds: Seconds = 600.0
    # E-mail over SMTP; no host, no e-mail. STARTTLS unless the port is 465 (implicit TLS).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: Flag = True
    smtp_from: str = "志愿惠州 <noreply@volunteer.huizhou.gov.cn>"
    smtp_timeout_seconds: Seconds = 10.0
    # SMS through the provider's HTTP API (request format in the README); no URL, no SMS.
    sms_api_url: Annotated[str, url_with_scheme("http", "https", or_empty=True)] = ""
    sms_api_key: str = Field(default="", repr=False)
    sms_sender: str = "VOLCITY"
    sms_timeout_seconds: Seconds = 10.0
    # The largest WebSocket frame (message) a client may send; uvicorn's own default is 16 MiB.
    ws_max_message_bytes: int = Field(default=1024 * 1024, ge=64 * 1024)
    # How many photos one process decodes at once (each can take ~100 MB while it is decoded).
    image_decode_concurrency: int = Field(default=2, ge=1)
    # Uploads (multipart requests) per client IP and window by callers that are neither staff
    # nor civic supervisors; 0 is no limit.
    upload_budget_per_ip: int = Field(default=10, ge=0)
    upload_budget_window_seconds: int = Field(default=600, ge=1)
    # Sign-in throttling (services/accounts/throttle.py): failed attempts allowed per account
    # and per client IP within a sliding window, counted where the cost budgets are.
    login_failures_per_account: int = Field(default=10, ge=1)
    login_failures_per_ip: int = Field(default=100, ge=1)
    login_throttle_window_seconds: int = Field(default=15 * 60, ge=1)
    # Query limits beside depth, tokens and aliases (schema/limits/validation.py): directives,
    # and fields, counted with every fragment written out where it is spread.
    max_directives: int = Field(default=50, ge=0)
    max_query_fields: int = Field(default=5000, ge=1)
    # Activities (services/activities/): whether publishing waits for the district's approval,
    # how long before a session a volunteer may still cancel their own sign-up, and the most
    # sessions one activity's recurrence may expand to.
    activity_publish_needs_approval: Flag = False
    activity_cancel_cutoff_minutes: int = Field(default=120, ge=0, le=14 * 24 * 60)
    activity_max_sessions: int = Field(default=200, ge=1, le=1000)
    # Attendance (proof of service, services/common/presence.py): the rotating code's time step
    # (the current and the previous code are accepted), how early before and late after the
    # session's or order's window a check-in/out is accepted, how far beyond the place's radius
    # a position is still accepted (and flagged for the confirmer), and the shortest attendance
    # that files a record.
    attendance_code_step_seconds: int = Field(default=60, ge=30, le=300)
    attendance_window_tolerance_minutes: int = Field(default=15, ge=0, le=120)
    attendance_far_tolerance_m: int = Field(default=300, ge=0, le=5000)
    attendance_min_minutes: int = Field(default=5, ge=1, le=120)
    # A service order has an address, not a check-in radius: this one.
    attendance_order_radius_m: int = Field(default=200, ge=20, le=2000)
    # Certificates of service: whether platform administrators may issue on an organisation's
    # behalf, the CJK TrueType font (.ttf or .ttc, Debian's fonts-wqy-microhei by default) the
    # PDF embeds, and the public address its QR code and verification link point to.
    certificates_platform_issues: Flag = False
    certificate_font_path: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    public_base_url: BaseUrl = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.timebank_floor > self.timebank_cap:
            raise ValueError("TIMEBANK_FLOOR must not be above TIMEBANK_CAP")
        if self.webhook_backoff_base_seconds > self.webhook_backoff_cap_seconds:
            raise ValueError(
                "WEBHOOK_BACKOFF_BASE_SECONDS must not be above WEBHOOK_BACKOFF_CAP_SECONDS"
            )
        if self.notification_backoff_base_seconds > self.notification_backoff_cap_seconds:
            raise ValueError(
                "NOTIFICATION_BACKOFF_BASE_SECONDS must not be above "
                "NOTIFICATION_BACKOFF_CAP_SECONDS"
            )
        if not self.is_production:
            return self
        if self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError("SECRET_KEY must be set in production")
        if len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        if self.webhook_retry_window_seconds < DAY:
            raise ValueError("WEBHOOK_RETRY_WINDOW_SECONDS must be a day or more in production")
        if not is_public_url(self.public_base_url):
            raise ValueError(
                "PUBLIC_BASE_URL must be set in production to the address residents reach "
                "(certificates' QR codes and verification links point there), "
                f"not {self.public_base_url!r}"
            )
        return self

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`, checked like the environment is (the environment itself is
        not read again)."""
        return type(self).model_validate({**self.model_dump(), **changes})

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


def from_environment() -> Settings:
    """The settings the environment describes, or a `ConfigurationError` naming every variable
    whose value is refused."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigurationError.from_validation(error) from error


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return from_environment()
