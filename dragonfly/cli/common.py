"""Shared helpers for CLI commands: services, the acting operator, output."""

from __future__ import annotations

import getpass
import os

import typer
from rich.console import Console

from dragonfly.bootstrap import Services, bootstrap
from dragonfly.errors import DomainError

console = Console(width=None if __import__("sys").stdout.isatty() else 160)
err_console = Console(stderr=True)


def services(*, migrate: bool = True) -> Services:
    """Services for a CLI command; migrations applied unless the command manages them."""
    return bootstrap(migrate=migrate)


def actor() -> str:
    """Who is acting from the terminal, as recorded in events: cli:<user>."""
    return f"cli:{os.environ.get('DRAGONFLY_OPERATOR') or getpass.getuser()}"


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def domain_fail(exc: DomainError) -> typer.Exit:
    return fail(str(exc))
