"""The `volunteer-city` command line: serve, migrate, seed, export-schema, and account tools."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from models.accounts import Role
from models.db import apply_migrations, close_database, open_database
from settings import ConfigurationError, get_settings

app = typer.Typer(help="volunteer-city: the city's volunteer service API.", no_args_is_help=True)
console = Console()
T = TypeVar("T")


@app.callback()
def _check_configuration() -> None:
    """Refuse an unsafe configuration with one clear line, before doing anything."""
    try:
        get_settings()
    except ConfigurationError as error:
        Console(stderr=True).print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from error


def _with_database(work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        await open_database()
        try:
            return await work()
        finally:
            await close_database()

    return asyncio.run(run())


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Processes; >1 needs PostgreSQL and Redis.")] = 1,
) -> None:
    """Serve the API (GraphQL at /graphql, probes at /healthz and /readyz)."""
    import uvicorn

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if workers > 1 and not settings.uses_postgres:
        raise typer.BadParameter("several workers need DATABASE_URL to point at PostgreSQL")
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        # The GraphQL WebSocket handler answers pings but sends none: let uvicorn ping, so that
        # a quiet wall screen's connection survives proxies and dead peers are noticed.
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_interval,
        ws_per_message_deflate=settings.ws_per_message_deflate,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


@app.command()
def migrate() -> None:
    """Apply the database migrations (safe to repeat)."""
    asyncio.run(apply_migrations())
    console.print("[green]migrations applied[/green]")


@app.command()
def seed(
    scale: Annotated[
        str, typer.Option(help="demo (a few hundred rows) or city (450,000).")
    ] = "demo",
) -> None:
    """Load Huizhou demo data; a second run adds nothing."""
    from services.demo_data import SCALES
    from services.demo_data import seed as run_seed

    if scale not in SCALES:
        raise typer.BadParameter(f"choose one of: {', '.join(SCALES)}", param_hint="--scale")
    if get_settings().is_production:
        raise typer.BadParameter("refusing to load demo data (and demo users) in production")
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        added = _with_database(lambda: run_seed(scale, progress))
    console.print("added: " + ", ".join(f"{n} {k}" for k, n in added.items()))


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path("schema.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to a file."""
    from schema.root import build_schema

    output.write_text(build_schema().as_str() + "\n", encoding="utf-8")
    console.print(f"wrote {output}")


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: str = "",
) -> None:
    """Create a sign-in with the given roles (e.g. a DISPATCHER or a WALL_DISPLAY)."""
    from services import accounts
    from services.errors import DomainError

    try:
        user = _with_database(lambda: accounts.create_user(username, password, display_name, role))
    except DomainError as error:
        for problem in error.problems:
            console.print(f"[red]{problem.code.value}[/red]: {problem.message}")
        raise typer.Exit(1) from error
    console.print(f"created user {user.username} (id {user.id}) with roles {', '.join(user.roles)}")


@app.command("create-api-client")
def create_api_client(
    name: str,
    scope: Annotated[list[str], typer.Option(help="Repeat for several scopes.")],
) -> None:
    """Register a third-party app; prints its API key once."""
    from services import accounts
    from services.errors import DomainError

    try:
        client, key = _with_database(lambda: accounts.create_api_client(name, scope))
    except DomainError as error:
        console.print(f"[red]{error.problems[0].code.value}[/red]: {error.problems[0].message}")
        raise typer.Exit(1) from error
    console.print(f"created API client {client.name} (id {client.id}), scopes {client.scopes}")
    console.print("API key (shown once, store it now):")
    typer.echo(key)


if __name__ == "__main__":
    app()
