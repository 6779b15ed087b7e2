"""`dragonfly papers ...`: draft a paper from a case, check the templates, record addresses."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import Session

from dragonfly import rpc
from dragonfly.cli.common import actor, command_app, console, fail, services
from dragonfly.papers import PAPERS

app = command_app(
    help="Enforcement papers drafted from a case. Example: dragonfly papers draft DF-1042 payoff --out payoff.docx",
    no_args_is_help=True,
)


@app.command("list")
def list_command() -> None:
    """The papers Dragonfly drafts and what [recipient] names for each (example: dragonfly papers list)."""
    table = Table("paper", "what", "recipient", "template")
    for p in PAPERS.values():
        table.add_row(p.name, p.title, p.recipient, p.template)
    console.print(table)


@app.command("draft")
def draft_command(
    case_ref: str = typer.Argument(..., help="e.g. DF-1042"),
    paper: str = typer.Argument(..., help=f"one of: {', '.join(PAPERS)}"),
    recipient: str = typer.Argument(None, help="garnishee, marshal/sheriff or attention line (see `papers list`)"),
    out: Path = typer.Option(..., "--out", help="where to write the .docx"),
    file_on_case: bool = typer.Option(False, "--file", help="also file the draft on the case (kind draft)"),
) -> None:
    """Fill a paper from the case (example: dragonfly papers draft DF-1042 income-execution --out ie.docx)."""
    from dragonfly.papers.draft import draft, file_draft

    s = services()
    if file_on_case:
        drafted, recorded = file_draft(
            s, case_ref=case_ref, paper_name=paper, recipient=recipient, actor=actor(), source="cli"
        )
        note = f"; filed on {drafted.case_ref} as draft #{recorded.document_id} (sha256 {recorded.sha256[:12]})"
    else:
        with Session(s.engine) as session:
            drafted = draft(
                session=session, settings=s.settings, case_ref=case_ref, paper_name=paper, recipient=recipient
            )
        note = ""
    out.write_bytes(drafted.content)
    console.print(f"{drafted.paper.title} for {drafted.case_ref} written to {out} ({len(drafted.content)} bytes){note}")


@app.command("check")
def check_command(
    templates: Path = typer.Option(
        None, "--templates", help="folder to check (default: DRAGONFLY_TEMPLATES or the samples)"
    ),
) -> None:
    """Render every template against a demo case; exit 1 on an unknown field (example: dragonfly papers check)."""
    from dragonfly.papers.render import check, templates_dir
    from dragonfly.settings import Settings

    folder = templates or templates_dir(Settings())
    results = check(folder)
    for r in results:
        if r.ok:
            console.print(f"ok      {r.paper:<20} {folder / r.template}")
        else:
            console.print(f"[red]FAILED[/red]  {r.paper:<20} {r.problem}")
    if not all(r.ok for r in results):
        raise fail(f"{sum(not r.ok for r in results)} template(s) failed in {folder}")
    console.print(f"All {len(results)} templates in {folder} fill from the demo case.")


@app.command("demo")
def demo_command(
    paper: str = typer.Argument(..., help=f"one of: {', '.join(PAPERS)}"),
    out: Path = typer.Option(..., "--out", help="where to write the .docx"),
    templates: Path = typer.Option(None, "--templates", help="folder (default: DRAGONFLY_TEMPLATES or the samples)"),
) -> None:
    """Fill a paper from the made-up demo case, no database (example: dragonfly papers demo payoff --out p.docx)."""
    from dragonfly.papers import paper as find
    from dragonfly.papers.demo import demo_facts
    from dragonfly.papers.render import render, templates_dir
    from dragonfly.settings import Settings

    p = find(paper)
    content = render(templates or templates_dir(Settings()), p, p.data(demo_facts(), None))
    out.write_bytes(content)
    console.print(f"{p.title} for the demo case written to {out} ({len(content)} bytes)")


@app.command("address")
def address_command(
    case_ref: str = typer.Argument(..., help="e.g. DF-1042"),
    role: str = typer.Argument(..., help="debtor, garnishee, employer or officer"),
    text: str = typer.Argument(..., help="'<name>; <street>; <city, NY ZIP>' (the debtor: the address only)"),
) -> None:
    """Record an address on a case.

    Example: dragonfly papers address DF-1042 employer "Acme Inc; 5 Main St; Albany, NY 12207"
    """
    from dragonfly.papers.addresses import set_case_address, split_typed

    s = services()
    name, address = split_typed(role, text)
    with rpc.transaction(s.engine) as conn:
        r = set_case_address(
            conn, case_ref=case_ref, role=role.lower(), address=address, name=name, actor=actor(), source="cli"
        )
    what = "recorded" if r["changed"] else "unchanged"
    console.print(f"{r['case_ref']}: {r['role']} {r['name']}, {r['address'].replace(chr(10), ', ')} ({what})")
