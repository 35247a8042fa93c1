"""What every `volunteer-city admin ...` command shares: running a service on the database,
printing its coded problems (and ending with 1), and reading a district by its code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from models.db import close_database, open_database
from services.geography.divisions import Point

T = TypeVar("T")
console = Console()


def run_service(work: Callable[[], Awaitable[T]]) -> T:
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


async def district_ids(codes: list[str] | None) -> list[int] | None:
    """Districts by code (HUICHENG) or GB/T 2260 division code (441302); an unknown one is
    left for the service to refuse, under its id 0."""
    if codes is None:
        return None
    from models.geography import District

    rows = await District.all().values_list("id", "code", "division_code")
    known = {key: row_id for row_id, code, division in rows for key in (code, division) if key}
    return [known.get(code, 0) for code in codes]


async def district_id(code: str) -> int:
    (found,) = await district_ids([code]) or [0]
    return found


def point(lat: float | None, lng: float | None) -> Point | None:
    if (lat is None) != (lng is None):
        raise typer.BadParameter("give both --lat and --lng", param_hint="--lat/--lng")
    return Point(lat, lng) if lat is not None and lng is not None else None
