"""One pass over a file: rows checked alone, then a batch at a time against the database and
written in one transaction per batch. A run that stops half way leaves whole batches only, and
a second run finds them by their keys, so nothing is added twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TextIO

from tortoise.transactions import in_transaction

from models.imports import ImportKind
from services.common.errors import DomainError
from services.imports.errors import ImportErrorCode
from services.imports.hours import Hours
from services.imports.memberships import Memberships
from services.imports.organizations import Organizations
from services.imports.report import ErrorReport
from services.imports.rows import Checked, Kind, checked
from services.imports.tables import REPORT_PREFIX, Row, Table, open_table
from services.imports.volunteers import Volunteers

BATCH = 2000
# In the API process a batch's checks hold the event loop (~60 µs a row): smaller batches there
# keep other requests waiting at most ~15 ms.
SERVER_BATCH = 250
Progress = Callable[["Summary"], Awaitable[None]]


@dataclass
class Summary:
    rows_read: int = 0
    rows_added: int = 0
    rows_present: int = 0
    rows_refused: int = 0
    estimated_rows: int = 0


def kind_for(kind: ImportKind, source_system: str, file_name: str) -> Kind:
    if kind == ImportKind.VOLUNTEERS:
        return Volunteers()
    if kind == ImportKind.ORGANIZATIONS:
        return Organizations()
    if kind == ImportKind.MEMBERSHIPS:
        return Memberships()
    return Hours(source_system, file_name)


def _check_columns(kind: Kind, table: Table) -> None:
    missing = [c for c in kind.required if c not in table.columns]
    if missing:
        raise DomainError(
            ImportErrorCode.MISSING_COLUMNS,
            f"The header lacks {', '.join(missing)}; it needs {', '.join(kind.required)} "
            f"and may have {', '.join(kind.optional)}.",
            "file",
        )


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(rows, size)):
        yield batch


async def check_file(kind: ImportKind, path: Path) -> None:
    """Refuses, before a job starts, a file that is no table or lacks a required column."""
    table = await asyncio.to_thread(open_table, path)
    try:
        _check_columns(kind_for(kind, "", ""), table)
    finally:
        table.close()


async def run(
    kind: ImportKind,
    path: Path,
    *,
    source_system: str,
    file_name: str,
    dry_run: bool,
    report: TextIO | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> Summary:
    """Imports `path` (or only checks it, with `dry_run`), writing refused rows to `report`.
    A file that cannot be read as a table, or lacks a required column, raises DomainError
    before any row is looked at."""
    table = await asyncio.to_thread(open_table, path)
    importer = kind_for(kind, source_system, file_name)
    _check_columns(importer, table)
    await importer.prepare()
    errors = ErrorReport(report, [c for c in table.columns if not c.startswith(REPORT_PREFIX)])
    summary = Summary(estimated_rows=table.estimated_rows)
    for batch in _batches(table.rows, batch_size or BATCH):
        rows = checked(batch)
        for row in rows:
            importer.check(row)
        candidates = [row for row in rows if not row.problems]
        if candidates:
            summary.rows_present += await importer.settle(candidates)
        writable = [row for row in candidates if not row.problems and row.parsed is not None]
        if writable and not dry_run:
            async with in_transaction() as connection:
                summary.rows_added += await importer.write(connection, writable)
        elif dry_run:
            summary.rows_added += len(writable)
        refused: list[Checked] = [row for row in rows if row.problems]
        for row in refused:
            errors.add(row.number, row.values, row.problems)
        summary.rows_read += len(rows)
        summary.rows_refused += len(refused)
        if progress is not None:
            await progress(summary)
    if not dry_run:
        await importer.finish()
    return summary
