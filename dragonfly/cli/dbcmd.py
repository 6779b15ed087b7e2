"""`dragonfly db`, `dragonfly calendar`, `dragonfly plan`."""

from __future__ import annotations

from datetime import date

import typer

from dragonfly import db, rpc
from dragonfly.cli.common import actor, command_app, console, fail, services
from dragonfly.money import parse_amount
from dragonfly.settings import Settings

app = command_app(help="Database migrations. Example: dragonfly db upgrade", no_args_is_help=True)
calendar_app = command_app(
    help="New York public holidays for business-day arithmetic. Example: dragonfly calendar fill --first 2020",
    no_args_is_help=True,
)
plan_app = command_app(help="Monthly recovery plan. Example: dragonfly plan set 2026-12 250000", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations (example: dragonfly db upgrade)."""
    settings = Settings()
    url = db.resolve_url(settings)
    applied = db.upgrade(url)
    db.sync_timezone(url, settings.dragonfly_timezone)
    console.print(f"applied: {', '.join(applied)}" if applied else "database is up to date")


@app.command("status")
def status() -> None:
    """List migrations and whether each is applied (example: dragonfly db status)."""
    url = db.resolve_url(Settings())
    rows = db.migration_status(url)
    for mid, applied in rows:
        console.print(f"{'applied' if applied else 'PENDING'}  {mid}")
    pending = sum(1 for _, a in rows if not a)
    console.print(f"{len(rows)} migrations, {pending} pending")


@calendar_app.command("fill")
def calendar_fill(
    first: int = typer.Option(2000, help="First year"),
    last: int = typer.Option(None, help="Last year (default: 15 years ahead)"),
) -> None:
    """Load GCL 24 holidays for a span of years (example: dragonfly calendar fill --first 2020 --last 2040)."""
    s = services()
    n = db.fill_holidays(s.database_url, first, last)
    console.print(f"{n} holidays loaded")


@plan_app.command("set")
def plan_set(
    month: str = typer.Argument(..., help="YYYY-MM"), amount: str = typer.Argument(..., help="dollars")
) -> None:
    """Set a month's recovery plan (example: dragonfly plan set 2026-12 250000)."""
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        raise fail(f'"{month}" is not a month; write it as YYYY-MM, e.g. 2026-12') from None
    value = parse_amount(amount, allow_zero=True)
    s = services()
    with rpc.transaction(s.engine) as conn:
        rpc.set_recovery_plan(conn, month=first, amount=value, actor=actor())
    console.print(f"plan for {first:%Y-%m}: ${value:,.2f}")
