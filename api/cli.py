"""The `volunteer-city` command line: serve, migrate, bootstrap, seed, import, export-schema,
account tools (`users ...`), API clients and the city's administration (`admin ...`)."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.admin import admin
from models.accounts import Role, User
from models.db import apply_migrations, close_database, open_database
from settings import ConfigurationError, get_settings

app = typer.Typer(help="volunteer-city: the city's volunteer service API.", no_args_is_help=True)
console = Console()
T = TypeVar("T")
app.add_typer(admin, name="admin")


@app.callback()
def _check_configuration() -> None:
    """Refuse an unsafe configuration with one clear line, before doing anything."""
    try:
        get_settings()
    except ConfigurationError as error:
        # One line per refused variable, unwrapped and unstyled: the values are the user's.
        for problem in str(error).splitlines():
            Console(stderr=True, soft_wrap=True).print(
                f"[red]configuration error:[/red] {escape(problem)}"
            )
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

    from api.observability.logs import configure_logging

    settings = get_settings()
    configure_logging(settings)
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
        # A larger frame is refused with close code 1009 before it is buffered whole.
        ws_max_size=settings.ws_max_message_bytes,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        # Logging is ours (api/observability/logs.py): JSON or text, request ids, redaction; our
        # middleware writes the access line.
        log_config=None,
        access_log=False,
    )


@app.command()
def migrate() -> None:
    """Apply the database migrations (safe to repeat)."""
    asyncio.run(apply_migrations())
    console.print("[green]migrations applied[/green]")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<17}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _stage_reporter(bar: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return progress


@app.command()
def bootstrap(
    file: Annotated[
        Path | None,
        typer.Option(help="The city's reference data (YAML or JSON); default: Huizhou's."),
    ] = None,
) -> None:
    """Load the city's reference data (districts, communities, civic categories, benefits,
    dispatch centres); nothing personal, allowed in production, a second run adds nothing."""
    from services import geography
    from services.geography.reference import read_reference

    data = _checked(lambda: read_reference(file) if file else geography.default_reference())
    with _progress_bar() as bar:
        progress = _stage_reporter(bar)
        added = _or_exit(lambda: geography.bootstrap(data, progress))
    console.print(
        f"{data.city.name} ({data.city.name_en}) added: "
        + ", ".join(f"{n} {k}" for k, n in added.items())
    )


def _checked(read: Callable[[], T]) -> T:
    """Reads input the user supplied; its coded problems end the command with 1."""
    from services.common.errors import DomainError

    try:
        return read()
    except DomainError as error:
        for problem in error.problems:
            console.print(f"[red]{problem.code.value}[/red]: {escape(problem.message)}")
        raise typer.Exit(1) from error


@app.command()
def seed(
    scale: Annotated[
        str, typer.Option(help="demo (a few hundred rows) or city (450,000).")
    ] = "demo",
) -> None:
    """Bootstrap Huizhou's reference data, then load demo data; a second run adds nothing."""
    from demo import SCALES
    from demo import seed as run_seed

    if scale not in SCALES:
        raise typer.BadParameter(f"choose one of: {', '.join(SCALES)}", param_hint="--scale")
    if get_settings().is_production:
        raise typer.BadParameter("refusing to load demo data (and demo users) in production")
    with _progress_bar() as bar:
        progress = _stage_reporter(bar)
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
    from services.common.errors import DomainError

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
    from services import api_clients

    client, key = _or_exit(lambda: api_clients.create_api_client(name, scope))
    console.print(f"created API client {client.name} (id {client.id}), scopes {client.scopes}")
    console.print("API key (shown once, store it now):")
    typer.echo(key)


@app.command("set-cost-budget")
def set_cost_budget(
    client_id: int,
    budget: Annotated[str, typer.Argument(help="Cost points per window, or `default`.")],
) -> None:
    """Give an API client its own cost budget per RATE_LIMIT_WINDOW_SECONDS (0: unlimited)."""
    from services.api_clients import rate_limits
    from services.common.errors import DomainError

    try:
        points = None if budget == "default" else int(budget)
    except ValueError as error:
        raise typer.BadParameter("a whole number, or `default`", param_hint="BUDGET") from error
    try:
        client = _with_database(lambda: rate_limits.set_client_budget(client_id, points))
    except DomainError as error:
        console.print(f"[red]{error.problems[0].code.value}[/red]: {error.problems[0].message}")
        raise typer.Exit(1) from error
    shown = "the default" if client.cost_budget is None else f"{client.cost_budget} points"
    console.print(f"API client {client.name} (id {client.id}) now has {shown} per window")


@app.command("create-wall-token")
def create_wall_token(
    center: Annotated[str, typer.Option(help="The dispatch centre: its id or exact name.")],
    days: Annotated[int, typer.Option(help="How long the credential lasts.")] = 365,
    base_url: Annotated[str, typer.Option(help="Where screens reach the API.")] = (
        "http://127.0.0.1:8000"
    ),
    revoke_previous: Annotated[
        bool, typer.Option(help="Sign out every screen of this centre holding an older one.")
    ] = False,
) -> None:
    """A long-lived credential for a centre's wall screen; prints the URL to open on it once."""
    from services import wall
    from services.common.errors import DomainError

    async def issue() -> wall.WallCredential:
        found = await wall.find_center(center)
        return await wall.issue_wall_credential(found, days, revoke_previous=revoke_previous)

    try:
        credential = _with_database(issue)
    except DomainError as error:
        for problem in error.problems:
            console.print(f"[red]{problem.code.value}[/red]: {problem.message}")
        raise typer.Exit(1) from error
    console.print(
        f"wall credential for {credential.center.name} (user {credential.user.username}), "
        f"valid until {credential.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    console.print("Open this URL on the screen once; it keeps the credential (treat it as a key):")
    # The credential rides in the fragment, which browsers never send to the server.
    typer.echo(f"{base_url.rstrip('/')}/wall/{credential.center.id}#token={credential.token}")


@app.command("rotate-api-key")
def rotate_api_key(
    client_id: int,
    grace_seconds: Annotated[
        int | None,
        typer.Option(help="How long the current key keeps working (0: stops now)."),
    ] = None,
) -> None:
    """Issue a new key for an app; prints it once. The current key keeps working for the grace
    period (default API_KEY_GRACE_SECONDS)."""
    from services import api_clients

    client, key = _or_exit(lambda: api_clients.rotate_key(client_id, grace_seconds))
    until = client.previous_key_expires_at
    console.print(
        f"rotated the key of {client.name} (id {client.id}); the previous key "
        + (f"works until {until.isoformat()}" if until else "stopped working")
    )
    console.print("new API key (shown once, store it now):")
    typer.echo(key)


@app.command("revoke-api-client")
def revoke_api_client(
    client_id: int,
    previous_key_only: Annotated[
        bool, typer.Option(help="End only the key before the last rotation.")
    ] = False,
) -> None:
    """Stop an app's keys at once (and disable its webhooks), or only its previous key."""
    from services import api_clients

    client = _or_exit(lambda: api_clients.revoke(client_id, previous_key_only=previous_key_only))
    what = "the previous key of" if previous_key_only else "every key of"
    console.print(f"revoked {what} {client.name} (id {client.id})")


@app.command("list-api-clients")
def list_api_clients() -> None:
    """The registered apps, their scopes and key state (never a key)."""
    from models.accounts import ApiClient

    for client in _with_database(lambda: ApiClient.all().order_by("id")):
        state = "enabled" if client.enabled else "revoked"
        console.print(
            f"{client.id}\t{client.name}\t{','.join(client.scopes)}\tvc_{client.key_prefix}_…"
            f"\t{state}"
        )


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="volunteers, organizations, memberships or hours.")],
    file: Annotated[Path, typer.Argument(help="A CSV (UTF-8 or GB18030) or XLSX file.")],
    dry_run: Annotated[bool, typer.Option(help="Check every row; write nothing.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write the refused rows here (CSV), to fix and resubmit.")
    ] = None,
    source: Annotated[
        str, typer.Option(help="The earlier system's name (keys historic hours).")
    ] = "import",
) -> None:
    """Import a city's earlier registry; a second run of a file adds nothing, and a run that
    stopped half way is finished by running it again. Order: organizations, volunteers,
    memberships, hours."""
    from models.imports import ImportKind
    from services import imports
    from services.audit import Actor

    kinds = {k.value.lower(): k for k in ImportKind}
    if kind.lower() not in kinds:
        raise typer.BadParameter(f"choose one of: {', '.join(kinds)}", param_hint="KIND")
    source_system = _checked(lambda: imports.check_source(source))
    output = report.open("w", encoding="utf-8", newline="") if report else None
    try:
        with _progress_bar() as bar:
            task = bar.add_task("dry run" if dry_run else kind.lower(), total=None)

            async def progress(summary: imports.Summary) -> None:
                bar.update(task, completed=summary.rows_read, total=summary.estimated_rows)

            async def run() -> imports.Summary:
                summary = await imports.run(
                    kinds[kind.lower()],
                    file,
                    source_system=source_system,
                    file_name=file.name,
                    dry_run=dry_run,
                    report=output,
                    progress=progress,
                )
                if not dry_run:
                    await imports.audit_run(
                        Actor.console(),
                        kinds[kind.lower()],
                        file_name=file.name,
                        source_system=source_system,
                        summary=summary,
                    )
                return summary

            summary = _or_exit(run)
    finally:
        if output is not None:
            output.close()
    verb = "would add" if dry_run else "added"
    console.print(
        f"{summary.rows_read} rows read: {verb} {summary.rows_added}, "
        f"{summary.rows_present} already present, {summary.rows_refused} refused"
        + (f" (see {report})" if report and summary.rows_refused else "")
    )
    if summary.rows_refused:
        raise typer.Exit(1)


users_app = typer.Typer(
    help="Accounts: list, create, disable, enable, grant and revoke roles (audited).",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")


def _operator() -> str:
    """Who ran an audited command, as the audit log names them: `cli:<login>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _user_line(user: User) -> str:
    state = "disabled" if not user.is_active else "active"
    if user.must_change_password:
        state += ", must change password"
    return (
        f"{user.id}\t{escape(user.username)}\t{escape(user.display_name)}"
        f"\t{','.join(user.roles)}\t{state}"
    )


@users_app.command("list")
def users_list(
    role: Annotated[Role | None, typer.Option(help="Only accounts holding this role.")] = None,
    disabled: Annotated[
        bool | None, typer.Option("--disabled/--active", help="Only disabled / active ones.")
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Part of the username or display name.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
    after: Annotated[int, typer.Option(min=0, help="Only ids after this one (paging).")] = 0,
) -> None:
    """The accounts, oldest first: id, username, display name, roles, state."""
    from services.accounts import users

    async def page() -> tuple[list[User], int]:
        query = users.users(None, users.UserFilter(role, disabled, search))
        rows = await query.filter(id__gt=after).order_by("id").limit(limit)
        return list(rows), await query.count()

    rows, total = _or_exit(page)
    for user in rows:
        console.print(_user_line(user), highlight=False)
    more = f"; continue with --after {rows[-1].id}" if rows and len(rows) == limit else ""
    console.print(f"{len(rows)} of {total} accounts{more}")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[list[Role], typer.Option(help="Repeat for several roles.")],
    display_name: str = "",
    password: Annotated[
        str | None,
        typer.Option(help="The first password; without it one is generated and printed once."),
    ] = None,
) -> None:
    """Create an account; its first password must be changed at the first sign-in."""
    from services.accounts import users

    user, generated = _or_exit(
        lambda: users.create(
            None,
            username=username,
            display_name=display_name,
            roles=role,
            password=password,
            actor_label=_operator(),
        )
    )
    console.print(
        f"created user {escape(user.username)} (id {user.id}), roles {','.join(user.roles)}"
    )
    if generated:
        console.print("first password (shown once; it must be changed at the first sign-in):")
        typer.echo(generated)


def _change_user(name: str, change: Callable[[int], Awaitable[User]], done: str) -> None:
    from services.accounts import users

    async def work() -> User:
        return await change((await users.find(name)).id)

    user = _or_exit(work)
    console.print(f"{done}: {_user_line(user)}", highlight=False)


@users_app.command("disable")
def users_disable(user: Annotated[str, typer.Argument(help="Username or id.")]) -> None:
    """Disable an account: no sign-in, no refresh; its sessions and connections end."""
    from services.accounts import users

    _change_user(user, lambda pk: users.disable(None, pk, _operator()), "disabled")


@users_app.command("enable")
def users_enable(user: Annotated[str, typer.Argument(help="Username or id.")]) -> None:
    """Enable a disabled account again (the person signs in anew)."""
    from services.accounts import users

    _change_user(user, lambda pk: users.enable(None, pk, _operator()), "enabled")


@users_app.command("grant")
def users_grant(user: Annotated[str, typer.Argument(help="Username or id.")], role: Role) -> None:
    """Grant a role (never to a wall screen's account)."""
    from services.accounts import users

    _change_user(user, lambda pk: users.grant_role(None, pk, role, _operator()), "granted")


@users_app.command("revoke")
def users_revoke(user: Annotated[str, typer.Argument(help="Username or id.")], role: Role) -> None:
    """Revoke a role; open connections of the account close at once."""
    from services.accounts import users

    _change_user(user, lambda pk: users.revoke_role(None, pk, role, _operator()), "revoked")


def _or_exit(work: Callable[[], Awaitable[T]]) -> T:
    """Runs a service call; its coded problems are printed and end the command with 1."""
    from services.common.errors import DomainError

    try:
        return _with_database(work)
    except DomainError as error:
        for problem in error.problems:
            console.print(f"[red]{problem.code.value}[/red]: {problem.message}")
        raise typer.Exit(1) from error


if __name__ == "__main__":
    app()
