"""Settings read from the environment: each kind of value, its bounds, the production rules,
and the refusal that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from settings import DEFAULT_SECRET_KEY, ConfigurationError, Settings, from_environment

STRONG_SECRET = "s" * 32
PUBLIC = {"PUBLIC_BASE_URL": "https://volunteer.huizhou.gov.cn"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the developer's shell or CI leaks into these tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def read(monkeypatch: pytest.MonkeyPatch, **variables: str) -> Settings:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return from_environment()


def refusal(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    with pytest.raises(ConfigurationError) as refused:
        read(monkeypatch, **variables)
    return str(refused.value)


def test_an_empty_environment_gives_the_documented_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = read(monkeypatch)
    assert settings.environment == "development" and not settings.is_production
    assert settings.database_url == "sqlite://var/volunteer-city.sqlite3"
    assert settings.broadcast_url == "memory://"
    assert settings.secret_key == DEFAULT_SECRET_KEY
    assert settings.ws_ping_interval == 20.0
    assert settings.ws_per_message_deflate is False
    assert settings.webhook_worker is True
    assert settings.webhook_require_https is False
    assert settings.webhook_allow_private_targets is True
    assert settings.star_thresholds == tuple(Decimal(v) for v in (100, 300, 600, 1000, 1500))
    assert settings.allowed_origins == ()
    assert "10.0.0.0/8" in settings.metrics_allowed_networks
    assert settings.log_level == "INFO" and settings.effective_log_format == "text"
    assert settings == Settings()


def test_an_empty_variable_is_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, WS_PING_INTERVAL="", DB_POOL_SIZE="", WEBHOOK_WORKER="")
    assert (settings.ws_ping_interval, settings.db_pool_size, settings.webhook_worker) == (
        20.0,
        20,
        True,
    )


SPELLINGS = [
    ("true", True),
    ("1", True),
    ("yes", True),
    ("on", True),
    ("false", False),
    ("0", False),
    ("no", False),
    ("off", False),
    ("TRUE", True),
    ("On", True),
    (" yes ", True),
    ("OFF", False),
    ("No", False),
]


@pytest.mark.parametrize(("spelling", "meaning"), SPELLINGS)
@pytest.mark.parametrize(
    "variable", ["WS_PER_MESSAGE_DEFLATE", "WEBHOOK_WORKER", "WEBHOOK_REQUIRE_HTTPS"]
)
def test_every_flag_reads_the_same_spellings(
    monkeypatch: pytest.MonkeyPatch, variable: str, spelling: str, meaning: bool
) -> None:
    assert getattr(read(monkeypatch, **{variable: spelling}), variable.lower()) is meaning


@pytest.mark.parametrize("spelling", ["maybe", "2", "t", "y", "enabled", "-1"])
def test_a_flag_of_another_spelling_is_refused(
    monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    message = refusal(monkeypatch, WS_PER_MESSAGE_DEFLATE=spelling)
    assert message == (
        f"WS_PER_MESSAGE_DEFLATE: must be true/false, 1/0, yes/no or on/off (got {spelling!r})"
    )


def test_durations_take_fractions_of_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(
        monkeypatch,
        WS_PING_INTERVAL="2.5",
        HUB_HEARTBEAT_SECONDS="0.25",
        DISPATCH_SWEEP_SECONDS="1.5",
        WEBHOOK_TIMEOUT_SECONDS="3",
        EXPORT_SETTLE_SECONDS="0",
    )
    assert settings.ws_ping_interval == 2.5
    assert settings.hub_heartbeat_seconds == 0.25
    assert settings.dispatch_sweep_seconds == 1.5
    assert settings.webhook_timeout_seconds == 3.0
    assert settings.export_settle_seconds == 0.0


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("WS_PING_INTERVAL", "0", "greater than 0"),
        ("WS_PING_INTERVAL", "-1", "greater than 0"),
        ("WS_PING_INTERVAL", "inf", "finite number"),
        ("WS_PING_INTERVAL", "nan", "finite number"),
        ("WS_PING_INTERVAL", "soon", "valid number"),
        ("HUB_HEARTBEAT_SECONDS", "0", "greater than 0"),
        ("EXPORT_SETTLE_SECONDS", "-0.5", "greater than or equal to 0"),
    ],
)
def test_a_duration_out_of_bounds_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    message = refusal(monkeypatch, **{variable: value})
    assert message.startswith(f"{variable}: ")
    assert problem in message and f"(got {value!r})" in message


def test_integers_within_their_bounds_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(
        monkeypatch,
        DB_POOL_SIZE="1",
        API_KEY_GRACE_SECONDS="0",
        WEBHOOK_SECRET_GRACE_SECONDS=str(30 * 24 * 3600),
        RATE_LIMIT_USER="0",
        TIMEBANK_MIN_STAR_LEVEL="5",
    )
    assert settings.db_pool_size == 1
    assert settings.api_key_grace_seconds == 0
    assert settings.webhook_secret_grace_seconds == 30 * 24 * 3600
    assert settings.rate_limit_user == 0
    assert settings.timebank_min_star_level == 5


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("DB_POOL_SIZE", "0", "greater than or equal to 1"),
        ("DB_POOL_SIZE", "2.5", "valid integer"),
        ("MAX_QUERY_COST", "0", "greater than or equal to 1"),
        ("RATE_LIMIT_WINDOW_SECONDS", "0", "greater than or equal to 1"),
        ("RATE_LIMIT_ANONYMOUS", "-1", "greater than or equal to 0"),
        ("REDEMPTION_VALID_DAYS", "0", "greater than or equal to 1"),
        ("CARD_CHECKS_PER_HOUR", "0", "greater than or equal to 1"),
        ("WEBHOOK_CONCURRENCY", "0", "greater than or equal to 1"),
        ("API_KEY_GRACE_SECONDS", str(30 * 24 * 3600 + 1), "less than or equal to 2592000"),
        ("WEBHOOK_SECRET_GRACE_SECONDS", "-1", "greater than or equal to 0"),
        ("TIMEBANK_MIN_STAR_LEVEL", "6", "less than or equal to 5"),
    ],
)
def test_an_integer_out_of_bounds_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    message = refusal(monkeypatch, **{variable: value})
    assert message.startswith(f"{variable}: ")
    assert problem in message and f"(got {value!r})" in message


def test_amounts_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, CREDITS_PER_HOUR="1.1", TIMEBANK_FLOOR="0.5")
    assert (settings.credits_per_hour, settings.timebank_floor) == (Decimal("1.1"), Decimal("0.5"))


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"CREDITS_PER_HOUR": "-1"}, "CREDITS_PER_HOUR: Input should be greater than or equal"),
        ({"TIMEBANK_CAP": "nan"}, "TIMEBANK_CAP: Input should be a finite number"),
        ({"TIMEBANK_CAP": "10", "TIMEBANK_FLOOR": "20"}, "TIMEBANK_FLOOR must not be above"),
    ],
)
def test_an_amount_out_of_bounds_is_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], problem: str
) -> None:
    assert refusal(monkeypatch, **variables).startswith(problem)


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(
        monkeypatch,
        ALLOWED_ORIGINS="https://wall.example.org, http://localhost:5173",
        METRICS_ALLOWED_NETWORKS="10.1.0.0/16,fd00::/8",
        STAR_THRESHOLDS="10, 20, 30, 40, 50.5",
    )
    assert settings.allowed_origins == ("https://wall.example.org", "http://localhost:5173")
    assert settings.metrics_allowed_networks == ("10.1.0.0/16", "fd00::/8")
    assert settings.star_thresholds == (
        Decimal(10),
        Decimal(20),
        Decimal(30),
        Decimal(40),
        Decimal("50.5"),
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("ALLOWED_ORIGINS", "https://a.example,https://b.example/app", "'https://b.example/app'"),
        ("ALLOWED_ORIGINS", "wall.example.org", "not an origin"),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,office", "'office' is not a network"),
        ("STAR_THRESHOLDS", "100,300,600", "five increasing positive hour counts"),
        ("STAR_THRESHOLDS", "100,300,200,1000,1500", "five increasing positive hour counts"),
        ("STAR_THRESHOLDS", "0,1,2,3,4", "five increasing positive hour counts"),
        ("STAR_THRESHOLDS", "a,b,c,d,e", "valid decimal"),
    ],
)
def test_a_list_with_a_bad_item_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    message = refusal(monkeypatch, **{variable: value})
    assert message.startswith(f"{variable}: ") and problem in message


def test_urls_of_the_supported_schemes_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(
        monkeypatch,
        DATABASE_URL="postgres://vc:pw@db:5432/volunteer_city",
        BROADCAST_URL="rediss://redis:6380/0",
        RATE_LIMIT_STORAGE_URL="redis://limits:6379/1",
        MEDIA_BASE_URL="https://cdn.example.org/media/",
    )
    assert settings.uses_postgres
    assert settings.broadcast_url == "rediss://redis:6380/0"
    assert settings.effective_rate_limit_storage_url == "redis://limits:6379/1"
    # Keys are appended after a "/": the trailing one goes.
    assert settings.media_base_url == "https://cdn.example.org/media"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("DATABASE_URL", "mysql://vc:hunter2@db/vc", "(got 'mysql://…')"),
        ("DATABASE_URL", "var/db.sqlite3", "(got no scheme)"),
        ("BROADCAST_URL", "nats://bus:4222", "must start with memory://"),
        # limits would take it, but api/ratelimit.py would count in memory instead.
        ("RATE_LIMIT_STORAGE_URL", "memcached://cache:11211", "redis:// or rediss://"),
        ("MEDIA_BASE_URL", "cdn.example.org/media", "a path like /media or an http(s) URL"),
    ],
)
def test_a_url_of_another_scheme_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    message = refusal(monkeypatch, **{variable: value})
    assert message.startswith(f"{variable}: ") and problem in message


def test_a_refused_url_is_not_repeated_with_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, DATABASE_URL="mysql://vc:hunter2@db/vc")
    assert "hunter2" not in message


def test_choices_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, LOG_LEVEL="debug", LOG_FORMAT="JSON", ENVIRONMENT="Test")
    assert (settings.log_level, settings.log_format, settings.environment) == (
        "DEBUG",
        "json",
        "test",
    )
    assert refusal(monkeypatch, LOG_LEVEL="loud").startswith("LOG_LEVEL: ")
    assert refusal(monkeypatch, LOG_LEVEL="info", LOG_FORMAT="xml").startswith("LOG_FORMAT: ")


def test_every_refused_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, WS_PING_INTERVAL="soon", DB_POOL_SIZE="0", WEBHOOK_WORKER="?")
    assert [line.split(":")[0] for line in message.splitlines()] == [
        "DB_POOL_SIZE",
        "WS_PING_INTERVAL",
        "WEBHOOK_WORKER",
    ]


@pytest.mark.parametrize("environment", ["production", "PRODUCTION", " Production "])
def test_production_refuses_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    assert refusal(monkeypatch, ENVIRONMENT=environment) == "SECRET_KEY must be set in production"


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal(monkeypatch, ENVIRONMENT="production", SECRET_KEY="s" * 31) == (
        "SECRET_KEY must be at least 32 characters in production"
    )
    # Elsewhere a short secret is a developer's choice.
    assert read(monkeypatch, ENVIRONMENT="development").secret_key == "s" * 31


def test_production_refuses_a_retry_window_under_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    production = {"ENVIRONMENT": "production", "SECRET_KEY": STRONG_SECRET, **PUBLIC}
    assert refusal(monkeypatch, **production, WEBHOOK_RETRY_WINDOW_SECONDS="3600") == (
        "WEBHOOK_RETRY_WINDOW_SECONDS must be a day or more in production"
    )
    assert read(monkeypatch, ENVIRONMENT="development").webhook_retry_window_seconds == 3600.0


@pytest.mark.parametrize(
    "url",
    [
        None,
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "https://LOCALHOST.",
        "http://api.localhost",
        "http://[::1]:8000",
        "http://0.0.0.0",
        "http://127.8.9.10",
        "/verify",
    ],
)
def test_production_refuses_a_loopback_or_unset_public_url(
    monkeypatch: pytest.MonkeyPatch, url: str | None
) -> None:
    production = {"ENVIRONMENT": "production", "SECRET_KEY": STRONG_SECRET}
    given = {} if url is None else {"PUBLIC_BASE_URL": url}
    assert refusal(monkeypatch, **production, **given).startswith(
        "PUBLIC_BASE_URL must be set in production to the address residents reach"
    )
    # Elsewhere the development default stands.
    assert read(monkeypatch, ENVIRONMENT="development").public_base_url == (
        url.rstrip("/") if url else "http://127.0.0.1:8000"
    )


def test_production_accepts_a_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    production = {"ENVIRONMENT": "production", "SECRET_KEY": STRONG_SECRET}
    for url in (
        "https://volunteer.huizhou.gov.cn/",
        "http://10.20.0.5:8080",
        "https://203.0.113.9",
    ):
        settings = read(monkeypatch, **production, PUBLIC_BASE_URL=url)
        assert settings.public_base_url == url.rstrip("/")


def test_production_changes_the_webhook_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, ENVIRONMENT="production", SECRET_KEY=STRONG_SECRET, **PUBLIC)
    assert settings.is_production and settings.effective_log_format == "json"
    assert settings.webhook_require_https is True
    assert settings.webhook_allow_private_targets is False
    # A variable that is set wins over the environment's default.
    settings = read(monkeypatch, WEBHOOK_REQUIRE_HTTPS="off", WEBHOOK_ALLOW_PRIVATE_TARGETS="on")
    assert settings.webhook_require_https is False
    assert settings.webhook_allow_private_targets is True


def test_backoff_base_must_not_exceed_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refusal(monkeypatch, WEBHOOK_BACKOFF_BASE_SECONDS="7200") == (
        "WEBHOOK_BACKOFF_BASE_SECONDS must not be above WEBHOOK_BACKOFF_CAP_SECONDS"
    )


def test_secrets_and_urls_stay_out_of_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = read(monkeypatch, SECRET_KEY=STRONG_SECRET, DATABASE_URL="postgres://vc:pw@db/vc")
    assert STRONG_SECRET not in repr(settings) and "pw@db" not in repr(settings)


def test_replace_checks_the_changes_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    base = read(monkeypatch, MAX_QUERY_COST="500")
    monkeypatch.setenv("MAX_QUERY_COST", "900")
    changed = base.replace(rate_limit_user=7)
    # The environment is read once: a copy keeps the values it was made from.
    assert (changed.max_query_cost, changed.rate_limit_user) == (500, 7)
    with pytest.raises(ValidationError, match="max_query_cost"):
        base.replace(max_query_cost=0)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set in production"):
        base.replace(environment="production")


def test_replace_refuses_a_name_that_is_no_setting() -> None:
    with pytest.raises(ValidationError, match="max_query_csot"):
        Settings().replace(max_query_csot=10)


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().db_pool_size = 5  # type: ignore[misc]


def test_the_cli_names_the_variable_and_exits_without_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        DATABASE_URL=f"sqlite://{tmp_path}/x.sqlite3",
        WS_PING_INTERVAL="soon",
        WS_PER_MESSAGE_DEFLATE="maybe",
    )
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "configuration error: WS_PING_INTERVAL: Input should be a valid number, unable to "
        "parse string as a number (got 'soon')",
        "configuration error: WS_PER_MESSAGE_DEFLATE: must be true/false, 1/0, yes/no or "
        "on/off (got 'maybe')",
    ]
    assert not (tmp_path / "x.sqlite3").exists()
