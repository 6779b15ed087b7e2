"""`dragonfly` command line: a thin layer over the services. Sub-apps live in sibling modules;
each imports the heavy parts (bot, scheduler, storage) inside its commands."""

from __future__ import annotations

import logging
import os
import sys
import warnings

import psycopg
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from dragonfly.cli import cases, dbcmd, demo, doctor, imports, policy, runcmd, users
from dragonfly.cli.common import command_app

app = command_app(
    help="Dragonfly: enforcement of money judgments.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(dbcmd.app, name="db")
app.add_typer(cases.app, name="case")
app.add_typer(demo.app, name="demo")
app.add_typer(users.app, name="users")
app.add_typer(dbcmd.calendar_app, name="calendar")
app.add_typer(dbcmd.plan_app, name="plan")
app.add_typer(policy.app, name="policy")
app.command("doctor")(doctor.doctor_command)
from dragonfly.cli import jobs  # noqa: E402

app.add_typer(jobs.app, name="jobs")
app.command("scheduler")(jobs.scheduler_command)
from dragonfly.cli import serve  # noqa: E402

app.command("serve")(serve.serve_command)
app.command("console")(runcmd.console_command)
app.command("run")(runcmd.run_command)
app.add_typer(imports.app, name="import")
from dragonfly.cli import storagecmd  # noqa: E402

app.add_typer(storagecmd.app, name="storage")
app.command("smoke")(imports.smoke_command)
from dragonfly.cli import papers  # noqa: E402

app.add_typer(papers.app, name="papers")
from dragonfly.cli import queue  # noqa: E402

app.add_typer(queue.app, name="queue")


def main() -> None:
    level = os.environ.get("DRAGONFLY_LOG_LEVEL", "WARNING").upper()
    if level not in logging.getLevelNamesMapping():
        print(
            f"DRAGONFLY_LOG_LEVEL={level!r} is not a log level; using WARNING (use DEBUG, INFO, WARNING or ERROR)",
            file=sys.stderr,
        )
        level = "WARNING"
    from dragonfly.logs import configure

    configure(level, os.environ.get("DRAGONFLY_LOG_FORMAT", "text"))
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelNamesMapping()[level], logging.WARNING))
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, cron); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        app()
    except (ValidationError, OperationalError, psycopg.OperationalError) as exc:
        # Configuration problems get a sentence, not a traceback.
        print(f"dragonfly: {configuration_problem(exc)}", file=sys.stderr)
        sys.exit(2)


def configuration_problem(exc: Exception) -> str:
    """What is wrong with the configuration, in words an operator can act on."""
    if isinstance(exc, ValidationError):
        lines = [f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()]
        return "invalid setting(s): " + "; ".join(lines) + " (see the Configuration table in README.md)"
    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return (
        f"cannot reach the database ({first}). Check DATABASE_URL, or unset it to use the embedded "
        "server under DRAGONFLY_HOME."
    )
