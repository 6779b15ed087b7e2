"""Shared helpers for CLI commands: services, the acting operator, output."""

from __future__ import annotations

import getpass
import os
import sys

import typer
from rich.console import Console

from dragonfly import db
from dragonfly.bootstrap import Services, bootstrap
from dragonfly.errors import DomainError

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def services(*, migrate: bool = False, scheduler: bool = False) -> Services:
    """Services for a CLI command. Only `db upgrade`, `run` and `console` change the schema; any
    other command refuses to work on a database with pending migrations and says what to run.
    `scheduler`: connect with SCHEDULER_DATABASE_URL when it is set (the scheduler's own login)."""
    from dragonfly.settings import Settings

    s = bootstrap(Settings().for_scheduler() if scheduler else None, migrate=migrate)
    if not migrate:
        pending = [m for m, applied in db.migration_status(s.database_url) if not applied]
        if pending:
            s.close()
            raise fail(f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `dragonfly db upgrade` first.",
                       code=2)
    return s


def actor() -> str:
    """Who is acting from the terminal, as recorded in events: cli:<user>."""
    return f"cli:{os.environ.get('DRAGONFLY_OPERATOR') or getpass.getuser()}"


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def domain_fail(exc: DomainError) -> typer.Exit:
    return fail(str(exc))
