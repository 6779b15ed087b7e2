"""`dragonfly case show DF-n`: the case card and its timeline, in the terminal; `dragonfly case
renew DF-n`: an admin records what renews a judgment's twenty years (CPLR 211(b))."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table
from sqlmodel import Session

from dragonfly import queries, rpc
from dragonfly.cli.common import actor, command_app, console, fail, services

app = command_app(help="Look at cases. Example: dragonfly case show DF-1042", no_args_is_help=True)


@app.command("show")
def show(
    case_ref: str = typer.Argument(..., help="e.g. DF-1042"),
    events: int = typer.Option(50, help="How many of the latest events to show"),
) -> None:
    """Print a case card and its timeline (example: dragonfly case show DF-1042)."""
    s = services()
    tz = s.settings.tz
    with Session(s.engine) as session:
        card = queries.get_case(session=session, case_ref=case_ref)
        if card is None:
            raise fail(f"There is no case {case_ref}. Case ids look like DF-1042.")
        tier_line = f"Tier {card.tier}"
        if card.override_tier is not None and card.override_expires_at is not None:
            tier_line += (
                f" (override until {card.override_expires_at.astimezone(tz):%Y-%m-%d}: "
                f"{card.override_reason}; rule tier {card.rule_tier})"
            )
        console.print(f"[bold]{card.case_ref}[/bold]  {card.plaintiff_name} v. {card.debtor_name} ({card.debtor_type})")
        console.print(f"  {card.court}, {card.county} County, index {card.index_number}, entered {card.entered_on}")
        console.print(f"  {tier_line}, score {card.tier_score}: {'; '.join(card.tier_reasons)}")
        limit = f" of {card.stage_max_days}" if card.stage_max_days else ""
        console.print(
            f"  Stage {card.stage} for {card.dwell_days} days{limit}"
            f"{' [red]SLA breached[/red]' if card.sla_breached else ''}; status {card.status}"
            f"{' (' + card.closing_reason + ')' if card.closing_reason else ''}"
        )
        console.print(
            f"  Owner {card.owner_slack_id or '(none)'}; next action "
            f"{card.next_action_at.astimezone(tz):%Y-%m-%d %H:%M} {card.next_action_what or ''}"
            if card.next_action_at
            else f"  Owner {card.owner_slack_id or '(none)'}; no next action"
        )
        console.print(
            f"  Balance ${card.balance:,.2f} = principal ${card.unpaid_principal:,.2f} + interest "
            f"${card.accrued_interest:,.2f} + costs ${card.unpaid_costs:,.2f}; recovered ${card.recovered:,.2f}"
        )
        console.print(f"  Interest: {card.interest_basis}")
        for ad in queries.addresses(session=session, case_ref=card.case_ref):
            console.print(f"  Address ({ad.role}) {ad.name}: {ad.address.replace(chr(10), ', ')}")
        for b in queries.open_blockers(session=session, case_ref=card.case_ref):
            console.print(
                f"  Blocker #{b.blocker_id} ({b.kind}): {b.reason}, ETA {b.eta}"
                f"{' [red]passed[/red]' if b.eta_passed else ''}"
            )
        for a in queries.actions(session=session, case_ref=card.case_ref):
            due = f", next deadline {a.next_deadline}" if a.next_deadline else ""
            console.print(f"  Workflow #{a.action_id} {a.kind}: {a.state}{due}")
        for d in queries.documents(session=session, case_ref=card.case_ref):
            console.print(
                f"  Document #{d.document_id} {d.kind}: {d.original_name} ({d.size_bytes} bytes) {d.storage_key}"
            )
        table = Table("#", "when", "kind", "who", "what", "document")
        for e in reversed(queries.timeline(session=session, case_ref=card.case_ref, limit=events, newest_first=True)):
            table.add_row(
                str(e.seq),
                f"{e.occurred_at.astimezone(tz):%Y-%m-%d %H:%M}",
                e.kind,
                e.actor,
                e.summary or "",
                e.document_key or "",
            )
        console.print(table)


@app.command("renew")
def renew(
    case_ref: str = typer.Argument(..., help="e.g. DF-1042"),
    reason: str = typer.Argument(..., help="why, e.g. 'debtor signed the acknowledgment of 2026-05-01'"),
    basis: str = typer.Option(..., help="payment or acknowledgment"),
    on: str = typer.Option(..., help="the date of the payment or written acknowledgment, YYYY-MM-DD"),
) -> None:
    """Record a payment or written acknowledgment that renews a judgment presumed paid after twenty
    years (CPLR 211(b)); an event, admins only (example: dragonfly case renew DF-1042 --basis
    acknowledgment --on 2026-05-01 "signed letter")."""
    try:
        when = date.fromisoformat(on)
    except ValueError:
        raise fail(f'"{on}" is not a date. Write it like 2026-05-01.') from None
    s = services()
    with rpc.transaction(s.engine) as conn:
        r = rpc.record_judgment_renewal(
            conn, case_ref=case_ref, basis=basis, on=when, reason=reason, actor=actor(), source="cli"
        )
    console.print(f"{r['case_ref']}: renewed {r['renewed_on']}; presumed paid from {r['presumed_paid_since']}.")


@app.command("reallocate")
def reallocate(
    case_ref: str = typer.Argument(..., help="e.g. DF-1042"),
    reason: str = typer.Argument(..., help="why, e.g. 'doctor: recorded before the lawfully-applied rule'"),
) -> None:
    """Re-allocate a case's payments by the law (interest first, in date order; pre-2022-04-30
    consumer payments as at 9%), admins only; one event lists each change (example: dragonfly case
    reallocate DF-1042 "doctor")."""
    s = services()
    with rpc.transaction(s.engine) as conn:
        r = rpc.call(conn, "reallocate_payments", case_ref=case_ref, reason=reason, actor=actor(), source="cli")
    console.print(f"{r['case_ref']}: {len(r['reallocated'])} payment(s) re-allocated; balance ${r['balance']}.")
