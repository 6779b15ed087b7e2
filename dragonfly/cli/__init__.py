"""`dragonfly` command line: a thin layer over the services. Sub-apps live in sibling modules;
each imports the heavy parts (bot, scheduler, storage) inside its commands."""

from __future__ import annotations

import logging
import os

import typer

from dragonfly.cli import cases, dbcmd, demo, doctor, imports, runcmd, users

app = typer.Typer(help="Dragonfly: enforcement of money judgments.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(dbcmd.app, name="db")
app.add_typer(cases.app, name="case")
app.add_typer(demo.app, name="demo")
app.add_typer(users.app, name="users")
app.add_typer(dbcmd.calendar_app, name="calendar")
app.add_typer(dbcmd.plan_app, name="plan")
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


def main() -> None:
    logging.basicConfig(level=os.environ.get("DRAGONFLY_LOG_LEVEL", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app()
