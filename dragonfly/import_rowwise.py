"""The shared path of the imports that record each row through a sanctioned function (payments,
corrections): stage the file with COPY, check every row set-based in SQL, then apply the good rows
through the function, all in ONE transaction unless `partial`.

The SQL side of each import provides `<check>(...)`, which fills pg_temp.<checked> (status create|
present|error, problems 'column|reason', seq = apply order), and `<apply>(p_from, p_to, p_actor,
p_source, p_collect)`, which returns {"created", "problems"}. Without `partial` the first refusal
aborts the transaction (nothing is recorded) and the rows are tried again in collect mode, inside
a transaction that is rolled back, to report every refused row; `dry_run` tries every row that way
and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from dragonfly import rpc
from dragonfly.errors import DomainError
from dragonfly.import_files import RowProblem, count_lines
from dragonfly.import_session import ImportReport, Layout, Progress, problems_from_sql, session, stage

CHUNK = 5_000
FIRST_CHUNK = 200


@dataclass(frozen=True)
class RowwiseImport:
    """What one kind of row-by-row import is made of (its file layout and its SQL functions)."""

    kind: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    staging: str  # temp table the file is COPYed into
    checked: str  # temp table the check function fills
    check_function: str  # e.g. "import_check_payments"
    apply_function: str  # e.g. "import_payments_apply"
    check_takes_as_of: bool = False  # the check function's p_as_of: the day "not in the future" means
    # The apply function takes p_refresh/p_refresh_from: every chunk but the last leaves its cases'
    # read model rows to the last, which refreshes them all once (sql/0141).
    refresh_once: bool = False

    @property
    def layout(self) -> Layout:
        return Layout(self.staging, self.columns, self.required)


def _apply(
    conn: psycopg.Connection,
    spec: RowwiseImport,
    *,
    total: int,
    actor: str,
    source: str,
    collect: bool,
    progress: Progress | None,
) -> tuple[int, list[RowProblem]]:
    """Apply the checked rows in chunks (progress between them) in the open transaction."""
    created, problems = 0, []
    # A small first chunk: the apply function refreshes statistics between chunks, and until then
    # lookups on a table that was empty are planned as scans (see sql/0081_import_payments.sql).
    bounds = [(1, min(FIRST_CHUNK, total))] + [
        (start, start + CHUNK - 1) for start in range(FIRST_CHUNK + 1, total + 1, CHUNK)
    ]
    for start, end in bounds:
        refresh: dict[str, Any] = {}
        if spec.refresh_once:
            refresh = {"refresh_from": 1} if end >= total else {"refresh": False}
        result: dict[str, Any] = rpc.call_session(
            conn, spec.apply_function, from_=start, to=end, actor=actor, source=source, collect=collect, **refresh
        )
        created += result["created"]
        problems += [RowProblem(int(p["line"]), p["column"], p["reason"]) for p in result["problems"]]
        if progress:
            progress("record", min(end, total), total)
    return created, problems


def run_import(
    spec: RowwiseImport,
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
    """Stage, check and apply one file; see the module docstring for what is written when."""
    report = ImportReport(kind=spec.kind, path=path, dry_run=dry_run, partial=partial)
    total_lines = count_lines(path) if progress else None
    with session(url, drop=(spec.checked, spec.staging)) as conn:
        stage(conn, spec.layout, path, report, progress, total_lines)
        counts = rpc.call_session(conn, spec.check_function, **({"as_of": as_of} if spec.check_takes_as_of else {}))
        report.to_create, report.present = counts["create"], counts["present"]
        report.problems.extend(problems_from_sql(conn, spec.checked))
        static_bad = bool(report.problems)
        if report.to_create and (partial or dry_run or not static_bad):
            conn.commit()  # the session's temp tables (no domain rows) outlive what follows
            total = report.to_create
            try:
                created, refused = _apply(
                    conn,
                    spec,
                    total=total,
                    actor=actor,
                    source=source,
                    collect=partial or dry_run,
                    progress=progress,
                )
            except DomainError:
                conn.rollback()  # all or nothing: one refusal, and nothing is recorded
                _, refused = _apply(conn, spec, total=total, actor=actor, source=source, collect=True, progress=None)
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
    report.count_problems()
    return report.done()
