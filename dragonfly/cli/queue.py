"""`dragonfly queue list|retry|discard`: failed and stuck deliveries and document ingestions."""

from __future__ import annotations

import typer
from rich.table import Table

from dragonfly import queue as q
from dragonfly import rpc
from dragonfly.cli.common import actor, command_app, console, fail, services

app = command_app(
    help="Queued Slack deliveries (outbox) and document ingestions: see, retry or discard the ones that "
    "failed or got stuck. Example: dragonfly queue list --failed",
    no_args_is_help=True,
)


def _kind(kind: str | None) -> str | None:
    if kind is not None and kind.lower() not in q.KINDS:
        raise fail(f"--kind {kind}: use outbox or ingestion.", 2)
    return kind.lower() if kind else None


@app.command("list")
def list_command(
    failed: bool = typer.Option(False, "--failed", help="Only rows that exhausted their retries."),
    stuck: bool = typer.Option(False, "--stuck", help="Only pending rows no worker has taken for long."),
    all_rows: bool = typer.Option(False, "--all", help="Every row, delivered ones included."),
    kind: str | None = typer.Option(None, "--kind", help="outbox or ingestion (default: both)."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many rows."),
) -> None:
    """What, for whom, attempts, last error and age of each failed or stuck row (the default).

    Example: dragonfly queue list --failed --kind outbox
    """
    if failed and stuck:
        raise fail("Give --failed or --stuck, not both (without either, both are listed).", 2)
    state = "failed" if failed else "stuck" if stuck else "all" if all_rows else "open"
    s = services()
    try:
        rows = q.list_rows(
            s.engine, kind=_kind(kind), state=state, stuck_seconds=s.settings.queue_stuck_seconds, limit=limit
        )
    finally:
        s.close()
    if not rows:
        console.print(f"No {'' if state == 'all' else state + ' '}rows" + (f" in the {kind} queue." if kind else "."))
        return
    table = Table(title=f"{len(rows)} row{'s' if len(rows) != 1 else ''}", title_justify="left")
    for col in ("id", "state", "what", "for", "case", "attempts", "age", "last error"):
        table.add_column(col, justify="right" if col in ("attempts", "age") else "left", overflow="fold")
    for r in rows:
        table.add_row(
            r.ref,
            r.state,
            r.what,
            r.for_whom or "",
            r.case_ref or "",
            str(r.attempts),
            q.age(r.age_seconds),
            r.discard_reason and f"discarded: {r.discard_reason}" or r.last_error or "",
        )
    console.print(table)
    if state in ("open", "failed", "stuck"):
        console.print(
            "Fix the cause, then: dragonfly queue retry ID (or --all-failed); "
            'or give up: dragonfly queue discard ID --reason "..."'
        )


@app.command("retry")
def retry_command(
    ref: str | None = typer.Argument(None, help="Row id as listed, e.g. outbox:12 or ingestion:5.", show_default=False),
    all_failed: bool = typer.Option(False, "--all-failed", help="Every failed row (of --kind, or both queues)."),
    kind: str | None = typer.Option(None, "--kind", help="outbox or ingestion."),
) -> None:
    """Put a failed or stuck row back in its queue, due now, with all its attempts again.

    Example: dragonfly queue retry outbox:12     dragonfly queue retry --all-failed --kind ingestion
    """
    if bool(ref) == all_failed:
        raise fail("Give one row id (e.g. outbox:12) or --all-failed.", 2)
    s = services()
    try:
        with rpc.transaction(s.engine) as conn:
            if all_failed:
                counts = q.retry_failed(conn, actor=actor(), kind=_kind(kind))
                console.print(f"Queued again: {counts['outbox']} outbox row(s), {counts['ingestion']} ingestion(s).")
            else:
                result = q.retry(conn, ref=str(ref), actor=actor(), kind=_kind(kind))
                console.print(
                    f"{result['ref']} ({result['was']}) is queued again; the scheduler's worker takes it next."
                )
    finally:
        s.close()


@app.command("discard")
def discard_command(
    ref: str = typer.Argument(..., help="Row id as listed, e.g. outbox:12.", show_default=False),
    reason: str = typer.Option(..., "--reason", help="Why it will never be delivered (kept on the row and case)."),
    kind: str | None = typer.Option(None, "--kind", help="outbox or ingestion."),
) -> None:
    """Give up on a failed or pending row for good, saying why; a case it serves gets a note event.

    Example: dragonfly queue discard ingestion:5 --reason "uploader sent the wrong file; re-uploaded"
    """
    s = services()
    try:
        with rpc.transaction(s.engine) as conn:
            result = q.discard(conn, ref=ref, reason=reason, actor=actor(), kind=_kind(kind))
    finally:
        s.close()
    on_case = f"; recorded on {result['case_ref']}" if result.get("case_ref") else ""
    console.print(f"{result['ref']} ({result['was']}) discarded{on_case}.")
