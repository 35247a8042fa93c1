"""`volunteer-city admin ...`: what a city edits, at the console. Each command calls the same
service as its GraphQL mutation, with the same checks and coded errors, and the change is in
the audit log as made by `cli:<login>` (whoever can run commands on the server administers the
city)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from models.db import close_database, open_database
from models.dispatch import CenterLevel, DispatchCenter
from services.dispatch.centers import KEEP, Keep

T = TypeVar("T")
admin = typer.Typer(help="Edit the city's reference data; every change is audited.")
centers = typer.Typer(help="Dispatch centres.", no_args_is_help=True)
admin.add_typer(centers, name="center")
console = Console()


def _run(work: Callable[[], Awaitable[T]]) -> T:
    """Runs a service call on the database; its coded problems end the command with 1."""
    from services.common.errors import DomainError

    async def run() -> T:
        await open_database()
        try:
            return await work()
        finally:
            await close_database()

    try:
        return asyncio.run(run())
    except DomainError as error:
        for problem in error.problems:
            where = f" ({problem.field})" if problem.field else ""
            console.print(f"[red]{problem.code.value}[/red]{where}: {escape(problem.message)}")
        raise typer.Exit(1) from error


def _parent(value: str | None) -> int | Keep | None:
    if value is None:
        return KEEP
    if value == "none":
        return None
    try:
        return int(value)
    except ValueError as error:
        raise typer.BadParameter("a centre id, or `none`", param_hint="--parent") from error


async def _district_ids(codes: list[str] | None) -> list[int] | None:
    """Districts by code (HUICHENG) or GB/T 2260 division code (441302); an unknown one is
    left for the service to refuse, under its id 0."""
    if codes is None:
        return None
    from models.geography import District

    rows = await District.all().values_list("id", "code", "division_code")
    known = {key: row_id for row_id, code, division in rows for key in (code, division) if key}
    return [known.get(code, 0) for code in codes]


@centers.command("list")
def list_centers() -> None:
    """Every centre: id, level, parent, auto-assign, escalation minutes, name."""

    async def read() -> list[DispatchCenter]:
        return await DispatchCenter.all().order_by("id")

    for c in _run(read):
        parent = c.parent_id if c.parent_id is not None else "-"
        auto = "auto" if c.auto_assign else "manual"
        console.print(
            f"{c.id}\t{c.level.value}\t{parent}\t{auto}\t{c.escalate_after_minutes} min\t{c.name}"
        )


@centers.command("update")
def update_center(
    center_id: int,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    level: Annotated[CenterLevel | None, typer.Option(help="New level.")] = None,
    parent: Annotated[str | None, typer.Option(help="Parent centre id, or `none`.")] = None,
    auto_assign: Annotated[
        bool | None, typer.Option("--auto-assign/--no-auto-assign", help="Assign by itself.")
    ] = None,
    escalate_after: Annotated[
        int | None, typer.Option(help="Minutes unassigned before escalating.")
    ] = None,
    district: Annotated[
        list[str] | None, typer.Option(help="Replaces the coverage: district code; repeat.")
    ] = None,
    community: Annotated[
        list[int] | None, typer.Option(help="Replaces the single communities (ids); repeat.")
    ] = None,
) -> None:
    """Change a dispatch centre; what is not given stays."""
    from services.audit import Actor
    from services.dispatch import centers as service

    parent_id = _parent(parent)

    async def update() -> DispatchCenter:
        change = service.CenterChange(
            name=name,
            level=level,
            parent_id=parent_id,
            auto_assign=auto_assign,
            escalate_after_minutes=escalate_after,
            districts=await _district_ids(district),
            communities=community,
        )
        return await service.update_center(Actor.console(), center_id, change)

    center = _run(update)
    auto = "on" if center.auto_assign else "off"
    console.print(
        f"updated centre {center.id} {center.name}: {center.level.value}, auto-assign {auto}, "
        f"escalates after {center.escalate_after_minutes} min"
    )
