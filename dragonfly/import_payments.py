"""Bulk payments: marshal and bank remittance reports and lockbox files (issue 16).

Same contract as the judgment import (dragonfly/importer.py): every bad row is reported with line,
column and reason; nothing is recorded unless `partial`; `dry_run` records every payment in a
transaction that is then rolled back (so even a refusal only the recording can find, like a
payment larger than the balance, is reported) and changes nothing. Each payment goes through
record_enforcement_payment (interest first, then principal, then costs; one payment_recorded
event), keyed on the payer's reference, so a re-import records nothing twice.
All-or-nothing: without `partial` every payment is recorded in ONE transaction; the first refusal
rolls it back and the file is checked again, row by row, to report every refused row.
SQL: sql/0081_import_payments.sql.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from dragonfly import db
from dragonfly.importer import (
    ImportReport,
    Progress,
    RowProblem,
    _domain,
    _problems_from_sql,
    _scalar,
    _session_setup,
    _stage,
    count_lines,
)

PAYMENTS_LAYOUT = """\
Payments file layout (CSV, UTF-8 with or without BOM; or .xlsx, first sheet). The first line is
the header; names are case-insensitive, in any order; extra columns are ignored.

    column        required  format
    case_ref      see note  DF-1042 (or 1042)
    court         see note  the judgment's court, as imported
    index_number  see note  the judgment's index number, e.g. 54925/19
    received_on   yes       YYYY-MM-DD, the date the money was received; not in the future and
                            not before the case's last recorded payment
    gross         yes       more than zero, at most two decimals: 1250.00, 1,250.00, $1,250.00
    poundage      no        the marshal's or sheriff's poundage, zero or more (empty = 0)
    fees          no        fees withheld, zero or more (empty = 0)
    kind          yes       direct | settlement | plan_installment | garnishment_remittance |
                            levy_proceeds | turnover | sale | adjustment (reversals: in Slack)
    payer_ref     yes       the payer's own reference (check or remittance number); the key
                            that makes a re-import harmless

Note: give case_ref, or court and index_number (or all three: they must name the same case).
Payments are applied in order of received_on, each interest first, then principal, then costs.
"""

PAYMENT_COLUMNS = (
    "case_ref",
    "court",
    "index_number",
    "received_on",
    "gross",
    "poundage",
    "fees",
    "kind",
    "payer_ref",
)
PAYMENT_REQUIRED = ("received_on", "gross", "kind", "payer_ref")
_STAGE_PAYMENTS = (
    "CREATE TEMP TABLE df_import_payments (line integer NOT NULL, "
    + ", ".join(f"{c} text" for c in PAYMENT_COLUMNS)
    + ")"
)
CHUNK = 5_000


def _apply(
    conn: psycopg.Connection, *, total: int, actor: str, source: str, collect: bool, progress: Progress | None
) -> tuple[int, list[RowProblem]]:
    """Record the checked rows in chunks (progress between them) in the open transaction."""
    created, problems = 0, []
    for start in range(1, total + 1, CHUNK):
        result: dict[str, Any] = _scalar(
            conn,
            "SELECT import_payments_apply(%s, %s, %s, %s, %s)",
            (start, start + CHUNK - 1, actor, source, collect),
        )
        created += result["created"]
        problems += [RowProblem(int(p["line"]), p["column"], p["reason"]) for p in result["problems"]]
        if progress:
            progress("record", min(start + CHUNK - 1, total), total)
    return created, problems


def import_payments(
    *,
    url: str,
    path: Path,
    actor: str,
    dry_run: bool = False,
    partial: bool = False,
    source: str = "import",
    as_of: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate a payments file and record its payments (idempotent on the payer's reference)."""
    report = ImportReport(kind="payments", path=path, dry_run=dry_run, partial=partial)
    started = time.perf_counter()
    total_lines = count_lines(path) if progress else None
    with db.connect(url) as conn:
        _session_setup(conn)
        try:
            _stage(
                conn,
                table="df_import_payments",
                ddl=_STAGE_PAYMENTS,
                columns=PAYMENT_COLUMNS,
                required=PAYMENT_REQUIRED,
                path=path,
                report=report,
                progress=progress,
                total=total_lines,
            )
            counts = _scalar(conn, "SELECT import_check_payments(%s)", (as_of,))
            report.to_create, report.present = counts["create"], counts["present"]
            report.problems.extend(_problems_from_sql(conn, "df_import_payments_checked"))
            static_bad = bool(report.problems)
            if report.to_create and (partial or dry_run or not static_bad):
                conn.commit()  # the session's temp tables (no domain rows) outlive what follows
                collect = partial or dry_run
                try:
                    created, refused = _apply(
                        conn, total=report.to_create, actor=actor, source=source, collect=collect, progress=progress
                    )
                except psycopg.Error as exc:
                    conn.rollback()  # all or nothing: one refusal, and nothing is recorded
                    if _domain(exc) is None:
                        raise
                    _, refused = _apply(
                        conn, total=report.to_create, actor=actor, source=source, collect=True, progress=None
                    )
                    conn.rollback()
                    created = 0
                report.problems.extend(refused)
                report.to_create -= len({p.line for p in refused})
                if dry_run or (refused and not partial):
                    conn.rollback()
                else:
                    conn.commit()
                    report.created = created
                    report.written = created > 0
            else:
                conn.rollback()
        except psycopg.Error as exc:
            conn.rollback()
            domain = _domain(exc)
            if domain is not None:
                raise domain from None
            raise
        finally:
            conn.execute("DROP TABLE IF EXISTS pg_temp.df_import_payments_checked, pg_temp.df_import_payments")
            conn.commit()
    report.problems.sort(key=lambda p: p.line)
    report.bad_rows = len({p.line for p in report.problems})
    report.seconds = time.perf_counter() - started
    return report
