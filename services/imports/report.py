"""The per-row error report: one CSV line per refused row, its problems first and then the row's
own values under its own column names, so that a clerk can correct the values in place and
submit the report itself as the next file (the importer ignores the `error_` columns)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import Enum
from typing import TextIO

from services.imports.tables import REPORT_PREFIX

REPORT_COLUMNS = tuple(REPORT_PREFIX + name for name in ("row", "column", "code", "message"))


@dataclass(frozen=True)
class RowProblem:
    column: str
    code: Enum
    message: str


class ErrorReport:
    def __init__(self, output: TextIO | None, columns: list[str]) -> None:
        self.columns = [c for c in columns if c and not c.startswith(REPORT_PREFIX)]
        self._writer = csv.writer(output) if output is not None else None
        if self._writer is not None:
            self._writer.writerow([*REPORT_COLUMNS, *self.columns])

    def add(self, number: int, values: dict[str, str], problems: list[RowProblem]) -> None:
        if self._writer is None:
            return
        self._writer.writerow(
            [
                number,
                "; ".join(p.column for p in problems),
                "; ".join(p.code.value for p in problems),
                "; ".join(p.message for p in problems),
                *(values.get(c, "") for c in self.columns),
            ]
        )
