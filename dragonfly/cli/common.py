"""Shared helpers for CLI commands: services, the acting operator, output."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from dragonfly import db
from dragonfly.bootstrap import Services, bootstrap
from dragonfly.errors import DomainError

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


def services(*, migrate: bool = False) -> Services:
    """Services for a CLI command. Only `db upgrade`, `run` and `console` change the schema; any
    other command refuses to work on a database with pending migrations and says what to run."""
    s = bootstrap(migrate=migrate)
    if not migrate:
        pending = [m for m, applied in db.migration_status(s.database_url) if not applied]
        if pending:
            s.close()
            raise fail(
                f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `dragonfly db upgrade` first.", code=2
            )
    return s


def actor() -> str:
    """Who is acting from the terminal, as recorded in events: cli:<user>."""
    return f"cli:{os.environ.get('DRAGONFLY_OPERATOR') or getpass.getuser()}"


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


class CommandGroup(TyperGroup):
    """Every command's refusal (a DomainError from the engine) is turned into one red sentence and
    exit code 1 here, once (2 stays for configuration and unreadable files)."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise fail(str(exc), 1) from None


def command_app(**options: object) -> typer.Typer:
    """A typer app (or sub-app) whose commands' refusals are reported by CommandGroup."""
    return typer.Typer(cls=CommandGroup, **options)  # type: ignore[arg-type]
