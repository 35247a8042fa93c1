"""A CSV or XLSX file as numbered rows of text, read as it goes (CSV line by line; XLSX by
python-calamine, whose Rust reader holds one sheet's cells compactly). Row numbers are the ones
a spreadsheet shows: the header is row 1."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from services.common.errors import DomainError
from services.imports.errors import ImportErrorCode

Row = tuple[int, dict[str, str]]
# A report's own columns: a clerk fixes the report and submits it as it is.
REPORT_PREFIX = "error_"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    columns: list[str]
    estimated_rows: int
    rows: Iterator[Row]
    close: Callable[[], None] = lambda: None


def _unreadable(message: str) -> DomainError:
    return DomainError(ImportErrorCode.UNREADABLE_FILE, message, "file")


def _header(cells: list[Any]) -> list[str]:
    return [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _records(columns: list[str], cell_rows: Iterator[list[Any]], first: int) -> Iterator[Row]:
    for number, cells in enumerate(cell_rows, start=first):
        values = {name: _text(cell) for name, cell in zip(columns, cells, strict=False) if name}
        if any(values.values()):
            yield number, values


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030, what Chinese spreadsheets save CSV in."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "gb18030"
    return "utf-8-sig"


def _count_lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))


def _csv(path: Path) -> Table:
    encoding = _encoding(path)
    file = path.open(encoding=encoding, newline="")
    reader = csv.reader(file)

    def rows() -> Iterator[Row]:
        try:
            yield from _records(columns, reader, 2)
        except (csv.Error, UnicodeDecodeError) as error:
            raise _unreadable(f"Line {reader.line_num}: {error}.") from error
        finally:
            file.close()

    try:
        columns = _header(next(reader))
    except StopIteration:
        file.close()
        raise DomainError(ImportErrorCode.EMPTY_FILE, "The file is empty.", "file") from None
    except (csv.Error, UnicodeDecodeError) as error:
        file.close()
        raise _unreadable(f"Not a CSV file: {error}.") from error
    return Table(columns, max(0, _count_lines(path) - 1), rows(), file.close)


def _xlsx(path: Path) -> Table:
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        cells = iter(sheet.iter_rows())
        first = next(cells, None)
    except (CalamineError, OSError, ValueError) as error:
        raise _unreadable(f"Not a readable XLSX workbook: {error}.") from error
    if first is None:
        raise DomainError(ImportErrorCode.EMPTY_FILE, "The first sheet is empty.", "file")
    columns = _header(list(first))
    return Table(columns, max(0, sheet.height - 1), _records(columns, cells, 2))


def open_table(path: Path) -> Table:
    """The file's first sheet (XLSX, recognised by its content) or its CSV rows."""
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as error:
        raise _unreadable(f"Cannot open the file: {error.strerror}.") from error
    return _xlsx(path) if magic == _ZIP_MAGIC else _csv(path)
