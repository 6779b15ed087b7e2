"""The README and the in-Slack help name every command there is (as sqlite-utils tests its docs):
each `/enforce` sub-command the app registers, and each `dragonfly` CLI command."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from bot.app import build_app
from bot.listeners import all_specs, help_text, subcommand_names
from dragonfly.bootstrap import Services
from dragonfly.cli import app as cli_app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def cli_commands(group: typer.Typer | object, prefix: str = "") -> list[str]:
    """Every leaf command of the CLI, as typed ("import judgments", "doctor")."""
    command = typer.main.get_command(group) if isinstance(group, typer.Typer) else group
    subs = getattr(command, "commands", None)
    if not subs:
        return [prefix.strip()]
    found: list[str] = []
    for name, sub in subs.items():
        if getattr(sub, "hidden", False):
            continue
        found += cli_commands(sub, f"{prefix} {name}")
    return found


def documented(command: str) -> bool:
    """`dragonfly a b` in the README, or `dragonfly a x | a b` on one line (the operations list)."""
    if re.search(rf"dragonfly {re.escape(command)}\b", README):
        return True
    group, _, leaf = command.rpartition(" ")
    return bool(group) and any(
        f"dragonfly {group} " in line and re.search(rf"\| {re.escape(command)}\b", line) for line in README.splitlines()
    )


def test_readme_names_every_slack_sub_command(services) -> None:  # type: ignore[no-untyped-def]
    settings = services.settings.model_copy(update={"slack_bot_token": "xoxb-docs", "slack_signing_secret": "s"})
    app = build_app(Services(settings=settings, database_url=services.database_url, engine=services.engine))
    names = sorted(n for spec in all_specs() for n in spec.names)
    assert sorted(subcommand_names()) == names  # every sub-command the app routes is a spec
    del app
    assert len(names) > 10
    # `/enforce levy|garnish|subpoena DF-n` names each of its words
    missing = [n for n in names if not re.search(rf"/enforce ([a-z]+\|)*{re.escape(n)}\b", README)]
    assert not missing, f"README does not show /enforce {missing}"
    help_missing = [n for n in names if not re.search(rf"`{re.escape(n)}\b", help_text())]
    assert not help_missing, f"/enforce help does not list {help_missing}"


def test_readme_names_every_cli_command() -> None:
    commands = cli_commands(cli_app)
    assert {"db upgrade", "doctor", "import judgments", "queue list"} <= set(commands)
    missing = [c for c in commands if not documented(c)]
    assert not missing, f"README does not show: dragonfly {missing}"
