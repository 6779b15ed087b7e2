"""`dragonfly import judgments|plaintiffs` and `dragonfly smoke`: the sanctioned bulk path."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from dragonfly import importer, rules
from dragonfly.cli.common import actor, command_app, console, err_console, fail, services
from dragonfly.import_corrections import CORRECTIONS_LAYOUT, import_corrections
from dragonfly.import_payments import PAYMENTS_LAYOUT, import_payments
from dragonfly.import_session import Progress as OnProgress

app = command_app(
    help="Bulk import from CSV or .xlsx (example: dragonfly import judgments clients.csv).",
    no_args_is_help=True,
)

SHOWN_PROBLEMS = 20

JUDGMENTS_HELP = f"""Import judgments from a CSV or .xlsx file; one enforcement case per judgment.

Example: dragonfly import judgments judgments.csv --owner U0123ABCD --errors bad.csv

Nothing is written when any row is bad unless --partial is given. Exit codes: 0 imported (or
nothing to do), 1 bad rows found (also with --partial or --dry-run), 2 the file cannot be read.

\b
{importer.JUDGMENTS_LAYOUT}
"""


class _Reporter:
    """Rows/s progress: a rich bar on a terminal, plain log lines otherwise."""

    LABELS = {"read": "reading", "check": "checking", "create": "creating cases", "record": "recording"}

    def __init__(self) -> None:
        self.tty = console.is_terminal
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.started: dict[str, float] = {}
        self.last_line = 0.0

    def __enter__(self) -> _Reporter:
        if self.tty:
            self.progress = Progress(
                TextColumn("{task.description:<15}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>9} rows/s"),
                TimeElapsedColumn(),
                console=console,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.perf_counter()
        start = self.started.setdefault(phase, now)
        rate = f"{done / (now - start):,.0f}" if now > start and done else "-"
        if self.progress:
            if phase not in self.tasks:
                self.tasks[phase] = self.progress.add_task(self.LABELS.get(phase, phase), total=total, rate="-")
            self.progress.update(self.tasks[phase], completed=done, total=total or None, rate=rate)
        elif done == total or now - self.last_line >= 2.0:
            self.last_line = now
            err_console.print(
                f"{self.LABELS.get(phase, phase)}: {done:,}{f' of {total:,}' if total else ''} rows ({rate} rows/s)",
                highlight=False,
            )


def _render(report: importer.ImportReport, errors: Path | None) -> None:
    if report.problems:
        table = Table(
            title=f"{report.bad_rows} bad row{'s' if report.bad_rows != 1 else ''}",
            title_justify="left",
        )
        table.add_column("line", justify="right")
        table.add_column("column")
        table.add_column("reason")
        for p in report.problems[:SHOWN_PROBLEMS]:
            table.add_row(str(p.line), p.column, p.reason)
        console.print(table)
        if len(report.problems) > SHOWN_PROBLEMS:
            more = len(report.problems) - SHOWN_PROBLEMS
            console.print(
                f"... and {more} more problem{'s' if more != 1 else ''}"
                + (f" (all in {errors})" if errors else " (use --errors FILE.csv for all)")
            )
        if errors:
            importer.write_problems_csv(report.problems, errors)
            console.print(f"Bad rows written to {errors}")
    noun = {"judgments": "cases", "corrections": "changes"}.get(report.kind, report.kind)
    rows = f"{report.rows:,} row{'s' if report.rows != 1 else ''}"
    if report.rows == 0:
        console.print(f"No rows in {report.path.name}: nothing to import.")
    elif report.dry_run:
        extra = f", {report.to_update:,} would be updated" if report.kind == "plaintiffs" else ""
        console.print(
            f"Dry run, nothing written: {rows}; "
            f"{report.to_create:,} {noun} would be created{extra}, "
            f"{report.present:,} already present, {report.bad_rows:,} bad."
        )
    elif report.blocked:
        console.print(
            f"[red]Nothing imported[/red]: "
            f"{report.bad_rows:,} bad row{'s' if report.bad_rows != 1 else ''} "
            f"of {rows}. Fix them and run again, or use --partial to import the "
            f"{report.to_create + report.to_update:,} good rows."
        )
    else:
        extra = f", {report.updated:,} updated" if report.kind == "plaintiffs" else ""
        refs = f" ({report.first_case_ref}..{report.last_case_ref})" if report.created and report.first_case_ref else ""
        skipped = f", {report.bad_rows:,} bad rows skipped" if report.bad_rows else ""
        rate = f" in {report.seconds:.1f} s" if report.seconds >= 0.1 else ""
        console.print(
            f"{rows}: {report.created:,} {noun} created{refs}{extra}, "
            f"{report.present:,} already present{skipped}{rate}."
        )


def _check_errors_path(errors: Path | None) -> None:
    """Refuse an unwritable --errors path before anything is imported."""
    if errors is None:
        return
    target = errors if errors.exists() else errors.parent
    if errors.is_dir() or not target.is_dir() and not errors.exists() or not os.access(target, os.W_OK):
        raise fail(f"--errors {errors}: cannot write there; give a file path in a writable folder.", 2)


def _exit_code(report: importer.ImportReport) -> int:
    return 1 if report.bad_rows else 0


# The arguments every import takes (typer reads them from the defaults).
FILE = typer.Argument(
    ..., help="CSV (UTF-8) or .xlsx file", show_default=False, exists=True, dir_okay=False, readable=True
)
ERRORS = typer.Option(None, "--errors", help="Write every bad row to this CSV.")


def _run(errors: Path | None, work: Callable[[str, OnProgress], importer.ImportReport]) -> None:
    """Run one import (`work(database url, progress)`) with the progress bar, show its report and
    exit with its code (2: the file cannot be read)."""
    _check_errors_path(errors)
    s = services()
    try:
        with _Reporter() as progress:
            report = work(s.database_url, progress)
    except importer.ImportFileError as exc:
        raise fail(str(exc), 2) from None
    finally:
        s.close()
    _render(report, errors)
    raise typer.Exit(_exit_code(report))


@app.command("judgments", help=JUDGMENTS_HELP)
def judgments(
    file: Path = FILE,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
    owner: str | None = typer.Option(None, "--owner", help="Owner (Slack id) for rows without owner_slack_id."),
    errors: Path | None = ERRORS,
    partial: bool = typer.Option(False, "--partial", help="Import the good rows even when some are bad."),
    batch_size: int = typer.Option(importer.DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Cases per transaction."),
) -> None:
    _run(
        errors,
        lambda url, progress: importer.import_judgments(
            url=url,
            path=file,
            actor=actor(),
            owner=owner,
            dry_run=dry_run,
            partial=partial,
            batch_size=batch_size,
            progress=progress,
        ),
    )


@app.command("plaintiffs")
def plaintiffs(
    file: Path = FILE,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
    errors: Path | None = ERRORS,
    partial: bool = typer.Option(False, "--partial", help="Import the good rows even when some are bad."),
) -> None:
    """Import the client list: columns name (required, the key), contact, external_ref.

    Example: dragonfly import plaintiffs clients.csv

    A name already known (case and spacing ignored) is updated with a non-empty contact or
    external_ref; empty cells keep what is stored. Same rules and exit codes as `import judgments`.
    """
    _run(
        errors,
        lambda url, progress: importer.import_plaintiffs(
            url=url,
            path=file,
            actor=actor(),
            dry_run=dry_run,
            partial=partial,
            progress=progress,
        ),
    )


PAYMENTS_HELP = f"""Import payments (marshal and bank remittance reports, lockbox files) from CSV or .xlsx.

Example: dragonfly import payments remittance-2026-11.csv --dry-run --errors bad.csv

Each payment is recorded through the sanctioned path (interest first, with its event), keyed on the
payer's reference: importing the same file again records nothing twice. Nothing is recorded when
any row is bad unless --partial is given. Exit codes: 0 recorded (or nothing to do), 1 bad rows
found (also with --partial or --dry-run), 2 the file cannot be read.

\b
{PAYMENTS_LAYOUT}
"""


@app.command("payments", help=PAYMENTS_HELP)
def payments(
    file: Path = FILE,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and try everything, record nothing."),
    errors: Path | None = ERRORS,
    partial: bool = typer.Option(False, "--partial", help="Record the good rows even when some are bad."),
) -> None:
    _run(
        errors,
        lambda url, progress: import_payments(
            url=url, path=file, actor=actor(), dry_run=dry_run, partial=partial, progress=progress
        ),
    )


CORRECTIONS_HELP = f"""Apply bulk corrections (owner, next action, stage, tier override) from CSV or .xlsx.

Example: dragonfly import corrections reassign-maria.csv --dry-run

Each change goes through its sanctioned function (the same rules and events as in Slack); a change a
rule refuses is a bad row, a change the case already has is "already present". Nothing is changed
when any row is bad unless --partial is given. Exit codes as for `import payments`.

\b
{CORRECTIONS_LAYOUT}
"""


@app.command("corrections", help=CORRECTIONS_HELP)
def corrections(
    file: Path = FILE,
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and try everything, change nothing."),
    errors: Path | None = ERRORS,
    partial: bool = typer.Option(False, "--partial", help="Apply the good rows even when some are bad."),
) -> None:
    _run(
        errors,
        lambda url, progress: import_corrections(
            url=url, path=file, actor=actor(), dry_run=dry_run, partial=partial, progress=progress
        ),
    )


def smoke_command() -> None:
    """Quick post-import check: cases per stage and tier, what is off (example: dragonfly smoke).

    Exits 1 when there are no cases at all, or any open case has no owner or no next action, or a
    case has no case_created event, or a judgment has no case; 0 otherwise.
    """
    s = services()
    try:
        report = importer.smoke(engine=s.engine)
        stage_order = rules.load(s.engine).of("stage")
    finally:
        s.close()
    tiers = sorted({r.tier for r in report.census}, reverse=True)
    table = Table(title=f"{report.cases:,} cases", title_justify="left")
    table.add_column("stage")
    for t in tiers:
        table.add_column(f"Tier {t}", justify="right")
    table.add_column("total", justify="right")
    by = {(r.stage, r.tier): r.cases for r in report.census}
    for stage in sorted(
        {r.stage for r in report.census},
        key=lambda x: stage_order.index(x) if x in stage_order else 99,
    ):
        cells = [by.get((stage, t), 0) for t in tiers]
        table.add_row(stage, *[f"{c:,}" for c in cells], f"{sum(cells):,}")
    console.print(table)
    console.print(
        f"open cases without owner: {report.total('open_without_owner'):,}; "
        f"without next action: {report.total('open_without_next_action'):,}"
    )
    for finding in report.findings:
        console.print(f"[red]FAIL[/red] {finding}")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]ok[/green]")
