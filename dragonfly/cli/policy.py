"""`dragonfly policy`: the law's numbers the firm keeps current (docs/domain.md "Exemptions")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import typer

from dragonfly import rpc
from dragonfly.cli.common import actor, command_app, console, fail, services

app = command_app(
    help="The law's numbers. Example: dragonfly policy minimum-wage nyc 2027-01-01 17.60 --why 'DOL notice'",
    no_args_is_help=True,
)


@app.command("minimum-wage")
def minimum_wage(
    region: str = typer.Argument(..., help="nyc, long_island_westchester, rest_of_state or federal"),
    effective_from: str = typer.Argument(..., help="the date it takes effect, YYYY-MM-DD"),
    hourly: str = typer.Argument(..., help="dollars and cents, e.g. 17.60"),
    why: str = typer.Option(..., help="the source, e.g. 'Labor Law 652(1)(d), DOL notice of 2026-10-01'"),
) -> None:
    """Record a region's hourly minimum wage (from 2027 the state indexes it every year; a missing
    year is a doctor failure). Example: dragonfly policy minimum-wage nyc 2027-01-01 17.60 --why "DOL"."""
    try:
        on = date.fromisoformat(effective_from)
    except ValueError:
        raise fail(f'"{effective_from}" is not a date. Write it like 2027-01-01.') from None
    try:
        amount = Decimal(hourly)
    except InvalidOperation:
        raise fail(f'"{hourly}" is not an amount. Write it like 17.60.') from None
    s = services()
    with rpc.transaction(s.engine) as conn:
        r = rpc.set_minimum_wage(conn, region=region, effective_from=on, hourly=amount, why=why, actor=actor())
    console.print(f"{r['region']}: ${r['hourly']} an hour from {r['effective_from']}")
