"""`dragonfly demo seed`: a realistic, deterministic book for trying things out."""

from __future__ import annotations

import time

import typer

from dragonfly.cli.common import console, services

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("seed")
def seed(cases: int = typer.Option(200, "--cases", help="How many cases"),
         seed_value: int = typer.Option(7, "--seed", help="Random seed (same seed, same book)"),
         documents: bool = typer.Option(True, help="Store execution documents for levies")) -> None:
    """Seed plaintiffs, judgments, cases, events, documents and payments (example: dragonfly demo seed --cases 1000)."""
    from dragonfly.demo import seed as run_seed

    s = services()
    started = time.perf_counter()
    counts = run_seed(s, cases=cases, seed_value=seed_value, documents=documents,
                      progress=lambda m: console.print(f"  {m}"))
    console.print(f"seeded {counts.get('create', 0)} cases in {time.perf_counter() - started:.1f} s")
