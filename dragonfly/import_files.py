"""Reading an import file: CSV (UTF-8, with or without BOM) or the first sheet of an .xlsx
workbook, as (line, fields); a header checked against the columns a kind of import knows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


class ImportFileError(Exception):
    """The file cannot be imported at all (empty, unreadable, header without a required column)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    reason: str


def _norm_header(name: Any) -> str:
    return "_".join(str(name or "").strip().lower().split())


def _cell(value: Any) -> str:
    """An .xlsx cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of a CSV file; the header is the first item. Blank lines are skipped."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, strict=True)
            prev = 0
            try:
                for fields in reader:
                    line, prev = prev + 1, reader.line_num
                    if fields and any(fields):
                        yield line, fields
            except csv.Error as exc:
                raise ImportFileError(f"{path.name}: line {reader.line_num}: not valid CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as 'CSV UTF-8' and try again"
        ) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of the first sheet of an .xlsx workbook."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise ImportFileError(f"{path.name} is not a readable .xlsx workbook ({exc})") from None
    try:
        ws = wb.worksheets[0]
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                yield number, cells
    finally:
        wb.close()


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of a .csv or .xlsx file as (line, fields); refuses 0-byte and unreadable files."""
    if not path.is_file():
        raise ImportFileError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise ImportFileError(f"{path.name} is empty (0 bytes): expected a header line and rows")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if path.suffix.lower() == ".xls":
        raise ImportFileError(f"{path.name}: old .xls workbooks are not read; save it as .xlsx or CSV")
    return _csv_rows(path)


def header_map(header: list[str], columns: tuple[str, ...], required: tuple[str, ...], name: str) -> list[int | None]:
    """For each known column, its index in the file (None when absent); refuses bad headers."""
    names = [_norm_header(h) for h in header]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in columns and n in seen:
            raise ImportFileError(f"{name}: line 1: column {n} appears twice in the header")
        seen.setdefault(n, i)
    missing = [c for c in required if c not in seen]
    if missing:
        raise ImportFileError(
            f"{name}: line 1: required column{'s' if len(missing) > 1 else ''} missing: "
            f"{', '.join(missing)} "
            f"(the header has: {', '.join(n for n in names if n) or 'nothing'}). "
            f"Expected columns: {', '.join(columns)}"
        )
    return [seen.get(c) for c in columns]


def count_lines(path: Path) -> int | None:
    """A quick estimate of the data rows (for the progress bar)."""
    if path.suffix.lower() != ".csv" and path.suffix.lower() not in ("", ".txt"):
        return None
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return max(n - 1, 0)
