"""`dragonfly doctor`: exit 1 with a clear report when anything is wrong."""

from __future__ import annotations

import typer

from dragonfly.bootstrap import bootstrap
from dragonfly.cli.common import console


def doctor_command(
    full: bool = typer.Option(
        False,
        "--full",
        help="Re-read every event's hash, every case's read model and every paid case's ledger (not only what"
        " changed).",
    ),
) -> None:
    """Check migrations, the hash chain, the read model, documents, next actions and queues
    (example: dragonfly doctor; weekly: dragonfly doctor --full)."""
    from dragonfly.doctor import run_checks

    s = bootstrap(migrate=False)
    results = run_checks(s, full=full)
    for r in results:
        mark = "[green]ok[/green]  " if r.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {r.name}")
        for line in r.details[:20]:
            console.print(f"       {line}")
        if len(r.details) > 20:
            console.print(f"       ... and {len(r.details) - 20} more")
    failed = [r for r in results if not r.ok]
    console.print(f"{len(results) - len(failed)} of {len(results)} checks passed")
    if failed:
        raise typer.Exit(1)
