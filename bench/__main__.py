"""`python -m bench`: seeds a scratch database and prints benchmark ratios.

python -m bench                                   # SQLite in a temp dir, 20,000 volunteers
python -m bench --volunteers 100000 --rounds 30
python -m bench --scale city                      # 450,000 volunteers, 3,834 organisations
python -m bench --database-url postgres://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

from rich.console import Console

import demo as demo_data
from bench import cases, history
from bench.database import scratch_database
from models.db import apply_migrations, close_database, open_database
from schema.root import build_schema
from settings import Settings, get_settings

# Wide enough for the table when the output is a pipe or a file (rich then assumes 80).
console = Console(width=None if Console().is_terminal else 170)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgres://...); a scratch database is created on it and "
        "dropped afterwards. Default: an SQLite file in a temporary directory.",
    )
    parser.add_argument(
        "--volunteers", type=int, default=20_000, help="volunteers to seed (default 20,000)"
    )
    parser.add_argument(
        "--scale", choices=sorted(demo_data.SCALES), help="seed a named scale instead (city)"
    )
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds per case")
    parser.add_argument(
        "--seed-sample",
        type=int,
        default=5_000,
        help="volunteer rows per seed-throughput measurement (default 5,000)",
    )
    return parser.parse_args()


def _scale(arguments: argparse.Namespace) -> demo_data.Scale:
    if arguments.scale:
        return demo_data.SCALES[arguments.scale]
    city = demo_data.SCALES["city"]
    # Organisations in the city's proportion (one per ~117 volunteers).
    organizations = max(10, arguments.volunteers * city.organizations // city.volunteers)
    return demo_data.Scale("bench", arguments.volunteers, organizations)


async def _run(arguments: argparse.Namespace) -> None:
    scale = _scale(arguments)
    async with scratch_database(arguments.database_url) as url:
        settings = get_settings().replace(database_url=url)
        backend = "PostgreSQL" if settings.uses_postgres else "SQLite"
        console.print(
            f"[bold]volunteer-city benchmarks[/bold] on {backend} (scratch database), "
            f"{scale.volunteers:,} volunteers / {scale.organizations:,} organisations, "
            f"{arguments.rounds} rounds per case"
        )
        await apply_migrations(settings)
        await open_database(settings)
        try:
            rows = await _benchmarks(settings, scale, arguments)
        finally:
            await close_database()
    cases.print_rows(console, rows)


async def _benchmarks(
    settings: Settings, scale: demo_data.Scale, arguments: argparse.Namespace
) -> list[cases.Row]:
    rows: list[cases.Row] = []
    # On the empty database first, so that the sample's inserts meet empty tables each time.
    with console.status("seed throughput (sample)"):
        rows += await cases.seed_throughput(arguments.seed_sample)
    with console.status(f"seeding {scale.volunteers:,} volunteers"):
        started = time.perf_counter()
        added = await demo_data.seed(scale)
        seconds = time.perf_counter() - started
    console.print(
        f"seeded {added['volunteers']:,} volunteers, {added['organizations']:,} organisations, "
        f"{added['memberships']:,} memberships in {seconds:.1f} s"
    )
    with console.status("a year of service history"):
        started = time.perf_counter()
        records = await history.seed_service_history()
        seconds = time.perf_counter() - started
    console.print(
        f"added {records:,} confirmed service records with their orders in {seconds:.1f} s"
    )
    with console.status("GraphQL"):
        principal = await cases.dispatcher()
        # One schema for the whole run: its types cannot be converted twice in one process.
        schema = build_schema(settings)
        rows += await cases.page_size(schema, principal, arguments.rounds)
        rows += await cases.filters(schema, principal, arguments.rounds)
        rows += await cases.caches(schema, principal, arguments.rounds)
        rows += await cases.city_statistics(schema, principal, arguments.rounds)
    return rows


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_run(_arguments()))


if __name__ == "__main__":
    main()
