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
from datetime import date
from pathlib import Path

from dragonfly import rpc
from dragonfly.import_files import ImportFileError, RowProblem, count_lines, read_rows
from dragonfly.import_session import ImportReport, Layout, Progress, problems_from_sql, session, stage
from dragonfly.import_smoke import CaseCensus, SmokeReport, smoke

__all__ = [
    "CaseCensus",
    "ImportFileError",
    "ImportReport",
    "Progress",
    "RowProblem",
    "SmokeReport",
    "count_lines",
    "import_judgments",
    "import_plaintiffs",
    "read_rows",
    "smoke",
    "write_problems_csv",
]

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
JUDGMENT_COLUMNS = (*JUDGMENT_REQUIRED, "costs", "consumer_debt", "owner_slack_id", "external_ref")
PLAINTIFF_COLUMNS = ("name", "contact", "external_ref")
PLAINTIFF_REQUIRED = ("name",)

DEFAULT_BATCH_SIZE = 10_000

JUDGMENTS = Layout("df_import_judgments", JUDGMENT_COLUMNS, JUDGMENT_REQUIRED)
PLAINTIFFS = Layout("df_import_plaintiffs", PLAINTIFF_COLUMNS, PLAINTIFF_REQUIRED)
_STAGE_JUDGMENTS = JUDGMENTS.ddl


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
    total = count_lines(path) if progress else None
    with session(url, drop=("df_import_checked", "df_import_judgments")) as conn:
        stage(conn, JUDGMENTS, path, report, progress, total)
        if progress:
            progress("check", 0, report.rows)
        counts = rpc.call_session(conn, "import_check_judgments", owner=owner, as_of=as_of)
        if progress:
            progress("check", report.rows, report.rows)
        report.to_create, report.present = counts["create"], counts["present"]
        report.problems.extend(problems_from_sql(conn, "df_import_checked"))
        report.count_problems()
        if dry_run or report.blocked or report.to_create == 0:
            conn.rollback()  # staging lived in this transaction only: nothing remains
            return report.done()
        conn.commit()  # the temp tables (session-local, no domain rows) outlive the batches
        after = 0
        while True:
            result = rpc.call_session(
                conn,
                "import_judgments_batch",
                after_line=after,
                limit=batch_size,
                actor=actor,
                source=source,
                as_of=as_of,
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
                progress("create", report.created + report.present - counts["present"], report.to_create)
            log.info("import batch %s: %s created, up to line %s", report.batches, result["created"], after)
    return report.done()


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
    with session(url) as conn:
        stage(conn, PLAINTIFFS, path, report, progress)
        counts = rpc.call_session(conn, "import_check_plaintiffs")
        report.to_create, report.to_update = counts["create"], counts["update"]
        report.present = counts["present"]
        report.problems.extend(problems_from_sql(conn, "df_import_plaintiffs_checked"))
        report.count_problems()
        if dry_run or report.blocked:
            conn.rollback()
        else:
            result = rpc.call_session(conn, "import_plaintiffs_batch", actor=actor)
            conn.commit()
            report.created, report.updated = result["created"], result["updated"]
            report.written = report.created + report.updated > 0
    return report.done()


def write_problems_csv(problems: list[RowProblem], target: Path) -> None:
    """The bad rows as CSV: line, column, reason."""
    with target.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["line", "column", "reason"])
        for p in problems:
            w.writerow([p.line, p.column, p.reason])
