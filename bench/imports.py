"""Bulk import at city scale: a 450,000-volunteer registry file imported into a bootstrapped
scratch database, then the same file again (which must add nothing).

    python -m bench.imports                                   # SQLite scratch file
    python -m bench.imports --database-url postgres://postgres@127.0.0.1:5432/postgres

The file is written first (CSV, the districts by Chinese name, one row in a thousand with a bad
phone for the report). The baseline, in the same run, is reading the file through the csv module
alone, the floor of any import. Printed: elapsed, rows per second, the ratio to the baseline,
the CPU time of this process (on a shared machine a truer figure than the elapsed time; the
database server's own CPU is not in it), the process's peak resident memory before and after
the import (it streams, so the file's size does not show), and the load average of the
machine, which others share.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from bench.database import scratch_database
from models.db import apply_migrations, close_database, open_database
from models.geography import District
from models.imports import ImportKind
from models.volunteers import Volunteer
from services import imports
from services.common.identity import make_id_number
from services.geography import ensure_reference_data
from settings import get_settings

console = Console(width=None if Console().is_terminal else 170)
SURNAMES = "陈李黄张林王刘吴杨叶罗钟何曾邓谢赖朱徐郑梁廖蔡周"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红志文晓燕辉建国海燕佳欣"
# The county-level regions that ID numbers of Huizhou's residents begin with.
REGIONS = ("441302", "441303", "441322", "441323", "441324")
EPOCH = date(1950, 1, 1)


def write_registry(path: Path, count: int, districts: list[str]) -> int:
    """`count` volunteers, every ID number distinct and valid; returns how many rows are bad."""
    rng = random.Random(13)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["real_name", "id_number", "phone", "district", "skills", "registered_on"])
        for index in range(count):
            born = EPOCH + timedelta(days=index % 21_000)
            id_number = make_id_number(REGIONS[index % len(REGIONS)], born, index // 21_000)
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            if index % 1000 == 999:
                phone, bad = "12345", bad + 1
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
            registered = date(2017, 1, 1) + timedelta(days=index % 3000)
            writer.writerow(
                [
                    name,
                    id_number,
                    phone,
                    districts[index % len(districts)],
                    "FIRST_AID",
                    registered.isoformat(),
                ]
            )
    return bad


def read_only(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(database_url: str | None, count: int) -> None:
    async with scratch_database(database_url) as url:
        settings = get_settings().replace(database_url=url)
        await apply_migrations(settings)
        await open_database(settings)
        try:
            await ensure_reference_data()
            districts = [d.name for d in await District.all().order_by("id")]
            with tempfile.TemporaryDirectory(prefix="vc-bench-import-") as directory:
                path = Path(directory) / "registry.csv"
                started = time.perf_counter()
                bad = write_registry(path, count, districts)
                console.print(
                    f"wrote {count:,} rows ({path.stat().st_size / 2**20:.0f} MiB, {bad} bad) "
                    f"in {time.perf_counter() - started:.1f} s"
                )
                started = time.perf_counter()
                read_only(path)
                baseline = time.perf_counter() - started
                load_before = os.getloadavg()
                memory_before = peak_mib()
                for label in ("first run", "second run"):
                    started, cpu = time.perf_counter(), time.process_time()
                    summary = await imports.run(
                        ImportKind.VOLUNTEERS,
                        path,
                        source_system="bench",
                        file_name=path.name,
                        dry_run=False,
                    )
                    elapsed = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                    console.print(
                        f"{label}: {elapsed:.1f} s ({cpu:.1f} s CPU in this process), "
                        f"{summary.rows_read / elapsed:,.0f} rows/s "
                        f"({elapsed / baseline:.0f}x reading the file alone, {baseline:.2f} s); "
                        f"added {summary.rows_added:,}, present {summary.rows_present:,}, "
                        f"refused {summary.rows_refused:,}; peak RSS {peak_mib():.0f} MiB "
                        f"(before the import {memory_before:.0f} MiB)"
                    )
                assert await Volunteer.all().count() == count - bad
                load = ", ".join(f"{a:.1f}" for a in (*load_before, *os.getloadavg()))
                console.print(f"load average (1, 5, 15 min) before, after: {load}")
        finally:
            await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--database-url", help="a PostgreSQL server (postgres://...)")
    parser.add_argument("--volunteers", type=int, default=450_000)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.database_url, arguments.volunteers))


if __name__ == "__main__":
    main()
