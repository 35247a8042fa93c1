"""cityStatistics at city scale, aggregate by aggregate, against a baseline in the same run.

    python -m bench.statistics                                  # SQLite scratch file
    python -m bench.statistics --database-url postgres://postgres@127.0.0.1:5432/postgres
    python -m bench.statistics --existing sqlite:///tmp/city.sqlite3   # seeded already

The data: `seed --scale city` (450,000 volunteers, 3,834 organisations, ~350 stations) and a
year of service history in the seed's proportions (bench/history.py: 337,500 confirmed records,
orders and ratings). A scratch database is seeded and dropped (~2 min on SQLite, ~3 on
PostgreSQL on this machine); `--existing` reuses one made by `volunteer-city seed --scale city`,
adding the history if it has none yet (so point it at a scratch database only).

The baseline is counting the registry once (`SELECT COUNT(*) FROM volunteer`), the cheapest
whole-city figure there is. Each aggregate of cityStatistics is timed on its own, for the city
and for one district, then the whole query (service call, then GraphQL); and the participation
aggregate as it was before it was rewritten is timed against the current one, after checking
that both give the same figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from rich.console import Console
from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum

import demo as demo_data
from bench import cases, history
from bench.database import scratch_database
from bench.measure import compare, statements_of
from models.db import apply_migrations, close_database, open_database
from models.dispatch import RecordStatus, ServiceOrder, ServiceRecord
from models.geography import District
from models.volunteers import Volunteer, VolunteerStatus
from schema.root import build_schema
from services import statistics
from services.civic.statistics import rectification_counts
from services.statistics.participation import participation
from settings import get_settings

console = Console(width=None if Console().is_terminal else 170)
Work = Callable[[], Awaitable[Any]]


async def participation_before(
    district_id: int | None, as_of: datetime, start: datetime
) -> tuple[int, Decimal]:
    """The participation aggregate as it was until the rewrite (kept here to measure it):
    COUNT(DISTINCT volunteer_id) over the records whose volunteer is IN the counted ones."""
    where = {} if district_id is None else {"district_id": district_id}
    registered = Volunteer.filter(
        status=VolunteerStatus.ACTIVE, registered_at__lte=as_of, **where
    ).values("id")
    row = (
        await ServiceRecord.filter(
            status=RecordStatus.CONFIRMED,
            ended_at__gt=start,
            ended_at__lte=as_of,
            volunteer_id__in=Subquery(registered),
        )
        .annotate(volunteers=Count("volunteer_id", distinct=True), hours=Sum("hours"))
        .first()
        .values("volunteers", "hours")
    )
    assert row is not None
    return int(row["volunteers"] or 0), Decimal(str(row["hours"] or 0)).quantize(Decimal("0.01"))


def _parts(district_id: int | None, now: datetime) -> dict[str, Work]:
    start = statistics.a_year_before(now)
    where: dict[str, Any] = {} if district_id is None else {"district_id": district_id}
    return {
        "registry: registered now and a year ago": lambda: statistics._volunteers(
            where, now, start
        ),
        "participation and hours": lambda: participation(district_id, now, start),
        "ratings": lambda: statistics._ratings(where, now, start),
        "orders by status": lambda: statistics._orders(where, now, start),
        "organisations by category": lambda: statistics._organizations(where, now),
        "stations by kind": lambda: statistics._stations(where, now),
        "civic rectification": lambda: rectification_counts(district_id, start, now),
        "city_statistics(): all of them, concurrently": lambda: statistics.city_statistics(
            district_id, now, now
        ),
    }


async def _aggregates(rounds: int) -> list[cases.Row]:
    huicheng = await District.get(code="HUICHENG")
    now = datetime.now(UTC)
    start = statistics.a_year_before(now)

    async def baseline() -> int:
        return await Volunteer.all().count()

    rows = []
    for scope, district_id in (("whole city", None), ("district 惠城区", huicheng.id)):
        for label, work in _parts(district_id, now).items():
            result = await compare(work, baseline, rounds)
            rows.append(
                cases.Row(
                    f"cityStatistics, {scope}",
                    label,
                    "registry count",
                    cases.ms(result.case_seconds),
                    cases.ms(result.baseline_seconds),
                    result.ratio,
                    f"{await statements_of(work)} SQL statement(s)",
                )
            )
        current = await participation(district_id, now, start)
        before = await participation_before(district_id, now, start)
        if current != before:
            raise SystemExit(f"the rewrite changed the figures: {current} != {before}")
        result = await compare(
            partial(participation_before, district_id, now, start),
            partial(participation, district_id, now, start),
            rounds,
        )
        rows.append(
            cases.Row(
                f"participation, {scope}",
                "as before: COUNT(DISTINCT) over IN",
                "now: raw SQL, the not-counted left out by id",
                cases.ms(result.case_seconds),
                cases.ms(result.baseline_seconds),
                result.ratio,
                f"same figures: {current[0]:,} volunteers, {current[1]:,} h; ratio = speed-up",
            )
        )
    return rows


@asynccontextmanager
async def _database(arguments: argparse.Namespace) -> AsyncIterator[str]:
    if arguments.existing:
        yield arguments.existing
        return
    async with scratch_database(arguments.database_url) as url:
        yield url


async def _run(arguments: argparse.Namespace) -> None:
    async with _database(arguments) as url:
        settings = get_settings().replace(database_url=url)
        backend = "PostgreSQL" if settings.uses_postgres else "SQLite"
        await apply_migrations(settings)
        await open_database(settings)
        try:
            if not arguments.existing:
                with console.status(f"seed --scale {arguments.scale}"):
                    await demo_data.seed(arguments.scale)
            # The history's orders say "bench"; the demo's own few records are not a year's.
            if not await ServiceOrder.filter(description="bench").exists():
                with console.status("a year of service history"):
                    await history.seed_service_history()
            volunteers = await Volunteer.all().count()
            records = await ServiceRecord.all().count()
            console.print(
                f"[bold]cityStatistics[/bold] on {backend}: {volunteers:,} volunteers, "
                f"{records:,} service records, {arguments.rounds} rounds per case"
            )
            rows = await _aggregates(arguments.rounds)
            principal = await cases.dispatcher()
            rows += await cases.city_statistics(build_schema(settings), principal, arguments.rounds)
        finally:
            await close_database()
    cases.print_rows(console, rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.statistics", description=__doc__)
    parser.add_argument("--database-url", help="a PostgreSQL server for a scratch database")
    parser.add_argument("--existing", help="a database seeded with `seed --scale city`")
    parser.add_argument(
        "--scale", choices=sorted(demo_data.SCALES), default="city", help="what to seed"
    )
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds per case")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
