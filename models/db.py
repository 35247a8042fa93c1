"""Tortoise configuration and the one place that opens and closes the database."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from settings import Settings, get_settings

MODEL_MODULES = [
    "models.accounts",
    "models.geography",
    "models.volunteers",
    "models.organizations",
    "models.dispatch",
    "models.stations",
    "models.timebank",
    "models.civic",
    "models.rewards",
    "models.activities",
    "models.events",
    "models.webhooks",
    "models.certificates",
    "models.notifications",
    "models.imports",
    "models.audit",
]


def tortoise_config(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    connection = expand_db_url(settings.database_url)
    credentials = connection.setdefault("credentials", {})
    if settings.uses_postgres:
        credentials.setdefault("minsize", 1)
        credentials["maxsize"] = settings.db_pool_size
    else:
        # Writers queue up behind each other instead of failing with "database is locked".
        credentials.setdefault("busy_timeout", 10000)
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _ensure_sqlite_dir(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite://"):
        from pathlib import Path

        path = settings.database_url.removeprefix("sqlite://")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    _ensure_sqlite_dir(settings)
    # The lifespan runs in its own task; the fallback makes the connections visible to requests.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise._reset_apps()
    await Tortoise.close_connections()


async def apply_migrations(settings: Settings | None = None) -> None:
    from tortoise.migrations.api import migrate

    settings = settings or get_settings()
    _ensure_sqlite_dir(settings)
    try:
        await migrate(config=tortoise_config(settings))
    finally:
        # An open aiosqlite connection keeps a non-daemon thread, and the process, alive.
        await close_database()


def __getattr__(name: str) -> Any:
    # For the `tortoise` command line: `tortoise -c models.db.TORTOISE_ORM makemigrations`.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)
