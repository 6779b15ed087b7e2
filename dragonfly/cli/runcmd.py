"""`dragonfly run` (everything in one process) and `dragonfly console` (the bot without Slack)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import typer
from sqlalchemy import text

from dragonfly.cli.common import console as out
from dragonfly.settings import Settings


def _start_scheduler(services, stop: threading.Event) -> threading.Thread | None:  # type: ignore[no-untyped-def]
    try:
        from scheduler.runner import run_scheduler
    except ImportError:
        return None
    if services.settings.scheduler_database_url:  # the scheduler's own login (README "Security")
        from dragonfly.bootstrap import bootstrap

        services = bootstrap(services.settings.for_scheduler())
    thread = threading.Thread(
        target=run_scheduler, args=(services,), kwargs={"stop_event": stop}, name="scheduler", daemon=True
    )
    thread.start()
    return thread


def _log_to_file(path: Path) -> None:
    """In the console, log lines (scheduler, workers) go to a file, not between the bot's replies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    out.print(f"(log lines go to {path})")


def console_command(
    as_user: str = typer.Option("U0ALICE01", "--as", help="Act as this Slack user id (roles apply)"),
    file: Path | None = typer.Option(
        None, "--file", exists=True, dir_okay=False, help="A document to attach where a modal or thread asks for one"
    ),
    scheduler: bool = typer.Option(True, help="Run the scheduler beside the console"),
) -> None:
    """Try the bot in the terminal: type /enforce commands as a user (example: dragonfly console --as U0ALICE01)."""
    from dragonfly.cli.console import Console

    _log_to_file(Settings().home / "console.log")
    c = Console(user=as_user, file=file)
    stop = threading.Event()
    if scheduler:
        _start_scheduler(c.services, stop)
    try:
        code = c.run()
    finally:
        stop.set()
    raise typer.Exit(code)


def run_command(
    as_user: str = typer.Option("U0ALICE01", "--as", help="Console user when Slack is not configured"),
    demo_cases: int = typer.Option(200, help="Demo cases to seed into an empty database"),
) -> None:
    """Migrate, seed an empty database, then serve Slack + scheduler, or open the console (example: dragonfly run)."""
    from dragonfly.bootstrap import bootstrap
    from dragonfly.demo import seed

    settings = Settings()
    where = settings.database_url and "DATABASE_URL" or f"embedded PostgreSQL in {settings.home / 'pg'}"
    out.print(f"Starting Dragonfly: database {where}, documents {settings.effective_storage_url}")
    services = bootstrap(settings, migrate=True)
    with services.engine.connect() as conn:
        empty = not conn.execute(text("SELECT EXISTS (SELECT 1 FROM enforcement_cases)")).scalar_one()
    if empty and demo_cases > 0:
        out.print(f"The database is empty: seeding a demo book of {demo_cases} cases (dragonfly demo seed).")
        seed(services, cases=demo_cases)
    if not settings.slack_configured:
        out.print("No Slack credentials (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): opening the local console.")
        services.close()
        console_command(as_user=as_user, file=None, scheduler=True)
        return
    stop = threading.Event()
    _start_scheduler(services, stop)
    from bot.server import SlackUnreachable, serve

    try:
        serve(settings)  # gunicorn workers (or Socket Mode) build their own services
    except SlackUnreachable as e:
        out.print(f"dragonfly: {e}.")
        raise typer.Exit(2) from None
    finally:
        stop.set()
