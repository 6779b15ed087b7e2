"""`dragonfly users`: roles of Slack users (viewer, officer, admin)."""

from __future__ import annotations

import typer
from sqlmodel import Session, select

from dragonfly import rpc
from dragonfly.cli.common import actor, command_app, console, services
from dragonfly.views import AppUser

app = command_app(
    help="Who may do what in Slack. Example: dragonfly users grant U0123ABCD officer", no_args_is_help=True
)


@app.command("grant")
def grant(
    user: str = typer.Argument(..., help="Slack user id, e.g. U0123ABCD"),
    role: str = typer.Argument(..., help="viewer, officer or admin"),
) -> None:
    """Give a Slack user a role (example: dragonfly users grant U123ABC officer)."""
    s = services()
    with rpc.transaction(s.engine) as conn:
        result = rpc.grant_role(conn, slack_user_id=user, role=role, actor=actor())
    console.print(f"{result['slack_user_id']} is now {result['role']}")


@app.command("list")
def list_users() -> None:
    """List users and roles (example: dragonfly users list)."""
    s = services()
    with Session(s.engine) as session:
        for u in session.exec(select(AppUser).order_by(AppUser.slack_user_id)):
            console.print(f"{u.slack_user_id}  {u.role}  (by {u.granted_by}, {u.granted_at:%Y-%m-%d})")
