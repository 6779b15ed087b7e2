"""Bulk import of judgments and plaintiffs: the sanctioned path for spreadsheets (issue 6).

The judgments file layout is JUDGMENTS_LAYOUT below (also in `dragonfly import judgments --help`).

A judgment is identified by court + index number. A row whose judgment is already in the database
with the same principal and entry date is "already present" (nothing is created); with different
facts it is a bad row. A court + index number that appears twice in the file makes every one of
its rows bad. Line numbers are the file's physical lines (the header is line 1; in .xlsx, the
sheet's row numbers).

Plaintiffs file layout: `name` (required, the key: case and spacing ignored), `contact`,
`external_ref` (optional; empty keeps what is stored).

Outcomes: a 0-byte file, an unreadable file (not UTF-8, not CSV/.xlsx) or a header without a
required column is refused as a whole. A header-only file imports nothing and is not an error.
Bad rows are all reported (line, column, reason); nothing is written unless `partial` is set, in
which case the good rows are imported. Cases are created in batches, one transaction per batch.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, func
from sqlmodel import Field, Session, SQLModel, col, select

from dragonfly import db
from dragonfly.errors import DomainError, from_sqlstate

log = logging.getLogger(__name__)

JUDGMENTS_LAYOUT = """\
Judgments file layout (CSV, UTF-8 with or without BOM, comma-separated, "quoted, fields" and
Windows or Unix line endings; or .xlsx, first sheet). The first line is the header; header names
are case-insensitive (spaces count as underscores), in any order; extra columns are ignored.

    column           required  format
    plaintiff_name   yes       text
    debtor_name      yes       text
    debtor_type      yes       person | business (any case)
    court            yes       text, e.g. Civil Court of the City of New York
    county           yes       a New York county: Kings, New York, Queens, St. Lawrence, ...
                               (any case)
    index_number     yes       e.g. 54925/19 or CV-012345-23: up to 4 letters, 1-7 digits,
                               / or -, 2-4 digits
    entered_on       yes       YYYY-MM-DD, a real date, not in the future (2023-02-30 is refused)
    principal        yes       more than zero, at most two decimals: 1234.50, 1,234.50 or $1,234.50;
                               thousands separators only in groups of three (12,34.5 is refused)
    costs            no        same format, zero or more; empty or absent column = 0
    consumer_debt    no        true/false (also yes/no, y/n, t/f, 1/0); empty or absent = false
    owner_slack_id   no        Slack user id, e.g. U0123ABCD; empty = the --owner option, else none
    external_ref     no        text (the client's own reference)
"""

JUDGMENT_COLUMNS = (
    "plaintiff_name",
    "debtor_name",
    "debtor_type",
    "court",
    "county",
    "index_number",
    "entered_on",
    "principal",
    "costs",
    "consumer_debt",
    "owner_slack_id",
    "external_ref",
)
JUDGMENT_REQUIRED = (
    "plaintiff_name",
    "debtor_name",
    "debtor_type",
    "court",
    "county",
    "index_number",
    "entered_on",
    "principal",
)
PLAINTIFF_COLUMNS = ("name", "contact", "external_ref")
PLAINTIFF_REQUIRED = ("name",)

DEFAULT_BATCH_SIZE = 10_000
_READ_TICK = 5_000
_TEMP_BUFFERS = "128MB"

# Progress callback: (phase, done, total or None). Phases: read, check, create.
Progress = Callable[[str, int, "int | None"], None]


class ImportFileError(Exception):
    """The file cannot be imported at all (empty, unreadable, header without a required column)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    kind: str
    path: Path
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    present: int = 0
    bad_rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    written: bool = False
    batches: int = 0
    seconds: float = 0.0
    first_case_ref: str | None = None
    last_case_ref: str | None = None

    @property
    def blocked(self) -> bool:
        """Bad rows stopped the import (nothing written)."""
        return self.bad_rows > 0 and not self.partial


# ---------------------------------------------------------------- reading files


def _norm_header(name: Any) -> str:
    return "_".join(str(name or "").strip().lower().split())


def _cell(value: Any) -> str:
    """An .xlsx cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(sep=" ")
        )
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
                raise ImportFileError(
                    f"{path.name}: line {reader.line_num}: not valid CSV ({exc})"
                ) from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "save it as 'CSV UTF-8' and try again"
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
        raise ImportFileError(
            f"{path.name}: old .xls workbooks are not read; save it as .xlsx or CSV"
        )
    return _csv_rows(path)


def _header_map(
    header: list[str], columns: tuple[str, ...], required: tuple[str, ...], name: str
) -> list[int | None]:
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


# ---------------------------------------------------------------- staging

_STAGE_JUDGMENTS = (
    "CREATE TEMP TABLE df_import_judgments (line integer NOT NULL, "
    + ", ".join(f"{c} text" for c in JUDGMENT_COLUMNS)
    + ")"
)
_STAGE_PLAINTIFFS = (
    "CREATE TEMP TABLE df_import_plaintiffs (line integer NOT NULL, "
    + ", ".join(f"{c} text" for c in PLAINTIFF_COLUMNS)
    + ")"
)


def _session_setup(conn: psycopg.Connection) -> None:
    """A fresh import session: its temp tables (staging, checked rows, each batch's work tables)
    stay in memory up to _TEMP_BUFFERS (settable only before the session's first temp table)."""
    conn.execute(f"SET temp_buffers = '{_TEMP_BUFFERS}'")


def _stage(
    conn: psycopg.Connection,
    *,
    table: str,
    ddl: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    path: Path,
    report: ImportReport,
    progress: Progress | None,
    total: int | None,
) -> None:
    """Stream the file into a temp staging table with COPY; ragged rows become problems."""
    rows = read_rows(path)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(f"{path.name} has no header line (only blank lines)")
    _, header = first
    positions = _header_map(header, columns, required, path.name)
    width = len(header)
    # A sheet has no field count: missing cells are empty, cells beyond the header are ignored.
    sheet = path.suffix.lower() in (".xlsx", ".xlsm")
    conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
    conn.execute(ddl)
    staged = 0
    with conn.cursor().copy(
        f"COPY pg_temp.{table} (line, {', '.join(columns)}) FROM STDIN"
    ) as copy:
        for line, fields in rows:
            report.rows += 1
            if sheet:
                fields = (fields + [""] * width)[:width]
            if len(fields) != width:
                report.problems.append(
                    RowProblem(
                        line,
                        "(row)",
                        f"has {len(fields)} fields, the header has {width}"
                        + (
                            ": a column is missing"
                            if len(fields) < width
                            else ": an unquoted comma?"
                        ),
                    )
                )
                continue
            copy.write_row((line, *[fields[p] if p is not None else None for p in positions]))
            staged += 1
            if progress and staged % _READ_TICK == 0:
                progress("read", report.rows, total)
    if progress:
        progress("read", report.rows, report.rows)
    conn.execute(f"ANALYZE pg_temp.{table}")


def _problems_from_sql(conn: psycopg.Connection, table: str) -> list[RowProblem]:
    out = []
    cur = conn.execute(
        f"SELECT line, p FROM pg_temp.{table}, unnest(problems) AS p "
        "WHERE status = 'error' ORDER BY line"
    )
    for line, p in cur:
        column, _, reason = p.partition("|")
        out.append(RowProblem(int(line), column, reason))
    return out


def _scalar(conn: psycopg.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def _domain(exc: psycopg.Error) -> DomainError | None:
    diag = exc.diag
    return from_sqlstate(exc.sqlstate, diag.message_primary or str(exc), diag.message_hint)


# ---------------------------------------------------------------- services


def import_judgments(
    *,
    url: str,
    path: Path,
    actor: str,
    owner: str | None = None,
    dry_run: bool = False,
    partial: bool = False,
    source: str = "import",
    batch_size: int = DEFAULT_BATCH_SIZE,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a judgments file and create its cases (idempotent on court + index number)."""
    report = ImportReport(kind="judgments", path=path, dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    total = count_lines(path) if progress else None
    with db.connect(url) as conn:
        _session_setup(conn)
        try:
            _stage(
                conn,
                table="df_import_judgments",
                ddl=_STAGE_JUDGMENTS,
                columns=JUDGMENT_COLUMNS,
                required=JUDGMENT_REQUIRED,
                path=path,
                report=report,
                progress=progress,
                total=total,
            )
            if progress:
                progress("check", 0, report.rows)
            counts = _scalar(conn, "SELECT import_check_judgments(%s, %s)", (owner, as_of))
            if progress:
                progress("check", report.rows, report.rows)
        except psycopg.Error as exc:
            conn.rollback()
            domain = _domain(exc)
            if domain is not None:
                raise domain from None
            raise
        report.to_create, report.present = counts["create"], counts["present"]
        report.problems.extend(_problems_from_sql(conn, "df_import_checked"))
        report.problems.sort(key=lambda p: p.line)
        report.bad_rows = len({p.line for p in report.problems})
        if dry_run or report.blocked or report.to_create == 0:
            conn.rollback()  # staging lived in this transaction only: nothing remains
            report.seconds = time.perf_counter() - started
            return report
        conn.commit()  # the temp tables (session-local, no domain rows) outlive the batches
        after = 0
        try:
            while True:
                result = _scalar(
                    conn,
                    "SELECT import_judgments_batch(%s, %s, %s, %s, %s)",
                    (after, batch_size, actor, source, as_of),
                )
                conn.commit()
                if result["last_line"] is None:
                    break
                report.batches += 1
                report.created += result["created"]
                report.present += result["present"]
                report.written = report.written or result["created"] > 0
                report.first_case_ref = report.first_case_ref or result.get("first_case_ref")
                report.last_case_ref = result.get("last_case_ref") or report.last_case_ref
                after = result["last_line"]
                if progress:
                    progress(
                        "create",
                        report.created + report.present - counts["present"],
                        report.to_create,
                    )
                log.info(
                    "import batch %s: %s created, up to line %s",
                    report.batches,
                    result["created"],
                    after,
                )
        except psycopg.Error as exc:
            conn.rollback()
            domain = _domain(exc)
            if domain is not None:
                raise domain from None
            raise
        finally:
            conn.execute(
                "DROP TABLE IF EXISTS pg_temp.df_import_checked, pg_temp.df_import_judgments"
            )
            conn.commit()
    report.seconds = time.perf_counter() - started
    return report


def import_plaintiffs(
    *,
    url: str,
    path: Path,
    actor: str,
    dry_run: bool = False,
    partial: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a client list and add or update plaintiffs, keyed on the name."""
    report = ImportReport(kind="plaintiffs", path=path, dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    with db.connect(url) as conn:
        _session_setup(conn)
        try:
            _stage(
                conn,
                table="df_import_plaintiffs",
                ddl=_STAGE_PLAINTIFFS,
                columns=PLAINTIFF_COLUMNS,
                required=PLAINTIFF_REQUIRED,
                path=path,
                report=report,
                progress=progress,
                total=None,
            )
            counts = _scalar(conn, "SELECT import_check_plaintiffs()")
            report.to_create, report.to_update = counts["create"], counts["update"]
            report.present = counts["present"]
            report.problems.extend(_problems_from_sql(conn, "df_import_plaintiffs_checked"))
            report.problems.sort(key=lambda p: p.line)
            report.bad_rows = len({p.line for p in report.problems})
            if dry_run or report.blocked:
                conn.rollback()
            else:
                result = _scalar(conn, "SELECT import_plaintiffs_batch(%s)", (actor,))
                conn.commit()
                report.created, report.updated = result["created"], result["updated"]
                report.written = report.created + report.updated > 0
        except psycopg.Error as exc:
            conn.rollback()
            domain = _domain(exc)
            if domain is not None:
                raise domain from None
            raise
    report.seconds = time.perf_counter() - started
    return report


def write_problems_csv(problems: list[RowProblem], target: Path) -> None:
    """The bad rows as CSV: line, column, reason."""
    with target.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["line", "column", "reason"])
        for p in problems:
            w.writerow([p.line, p.column, p.reason])


# ---------------------------------------------------------------- smoke


class CaseCensus(SQLModel, table=True):
    """v_case_census (sql/0040_import.sql): cases per stage and effective tier."""

    __tablename__ = "v_case_census"

    stage: str = Field(primary_key=True)
    tier: int = Field(primary_key=True)
    cases: int
    open_cases: int
    open_without_owner: int
    open_without_next_action: int
    without_events: int


class JudgmentWithoutCase(SQLModel, table=True):
    __tablename__ = "v_judgments_without_case"

    judgment_id: int = Field(primary_key=True)
    court: str
    index_number: str


@dataclass
class SmokeReport:
    """Counts per stage and tier, and the findings that make `dragonfly smoke` exit 1."""

    census: list[CaseCensus]
    judgments_without_case: int

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.census)

    def total(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.census)

    @property
    def findings(self) -> list[str]:
        out = []
        if self.cases == 0:
            out.append("there are no cases at all (nothing imported?)")
        if n := self.total("open_without_owner"):
            out.append(f"{n} open case{'s' if n != 1 else ''} without an owner")
        if n := self.total("open_without_next_action"):
            out.append(f"{n} open case{'s' if n != 1 else ''} without a next action")
        if n := self.total("without_events"):
            out.append(f"{n} case{'s' if n != 1 else ''} without a case_created event")
        if self.judgments_without_case:
            out.append(f"{self.judgments_without_case} judgment(s) without a case")
        return out

    @property
    def ok(self) -> bool:
        return not self.findings


def smoke(*, engine: Engine) -> SmokeReport:
    """The post-import check: census per stage and tier, and what is off."""
    with Session(engine) as session:
        census = list(
            session.exec(select(CaseCensus).order_by(CaseCensus.stage, col(CaseCensus.tier).desc()))
        )
        orphans = session.exec(select(func.count()).select_from(JudgmentWithoutCase)).one()
    return SmokeReport(census=census, judgments_without_case=int(orphans))
