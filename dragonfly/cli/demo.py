"""`dragonfly demo seed`: a realistic, deterministic book for trying things out."""

from __future__ import annotations

import time

import typer
from sqlalchemy import text

from dragonfly.cli.common import command_app, console, fail, services

app = command_app(help="Demo data. Example: dragonfly demo seed --cases 1000", no_args_is_help=True)


@app.command("seed")
def seed(
    cases: int = typer.Option(200, "--cases", min=1, max=1_000_000, help="How many cases"),
    append: bool = typer.Option(False, "--append", help="Add to a database that already has cases"),
    seed_value: int = typer.Option(7, "--seed", help="Random seed (same seed, same book)"),
    documents: bool = typer.Option(True, help="Store documents (executions for levies; search reports in a big book)"),
) -> None:
    """Seed plaintiffs, judgments, cases, events, documents and payments (example: dragonfly demo seed --cases 1000).

    From 20,000 cases into an empty book the book is written set-based (minutes for a million)."""
    from dragonfly.demo import seed as run_seed
    from dragonfly.demo_bulk import BULK_FROM, seed_bulk

    s = services()
    with s.engine.connect() as conn:
        existing = conn.execute(text("SELECT count(*) FROM enforcement_cases")).scalar_one()
    if existing and not append:
        raise fail(
            f"The database already holds {existing} cases; demo data is for trying Dragonfly out. "
            "Use --append to add demo cases anyway.",
            code=2,
        )
    if documents:
        check_store(s)
    started = time.perf_counter()
    say = lambda m: console.print(f"  {m}")  # noqa: E731
    if cases >= BULK_FROM and not existing:
        counts = seed_bulk(s, cases=cases, documents=documents, progress=say)
    else:
        counts = run_seed(s, cases=cases, seed_value=seed_value, documents=documents, progress=say)
    console.print(f"seeded {counts.get('create', 0)} cases in {time.perf_counter() - started:.1f} s")


def check_store(s) -> None:  # type: ignore[no-untyped-def]
    """Refuse, in one sentence and before writing anything, when the document store is unreachable
    (the seed stores an execution document for each levy)."""
    from storage.base import StorageError

    try:
        next(iter(s.store.list_keys()), None)
    except StorageError as e:
        raise fail(
            f"The document store ({s.settings.effective_storage_url}) is unreachable: {e.message}; "
            "nothing was seeded. Start it, or seed without documents: dragonfly demo seed --no-documents",
            code=1,
        ) from None
