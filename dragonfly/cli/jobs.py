"""`dragonfly scheduler` and `dragonfly jobs ...`: run the scheduler, list the jobs' next run
times, run one job now (or as of a time), or preview its messages without queuing them."""

from __future__ import annotations

from datetime import datetime

import typer

from dragonfly.cli.common import command_app, console, fail, services

app = command_app(
    help="Scheduled jobs: digest, stale, weekly, nightly, documents_missing. "
    "Example: dragonfly jobs run digest --dry-run",
    no_args_is_help=True,
)


def scheduler_command() -> None:
    """Run the scheduler: cron jobs plus the outbox and ingestion workers, until Ctrl-C.

    Example: DRAGONFLY_DIGEST_CRON="30 8 * * mon-fri" dragonfly scheduler
    """
    import logging
    import signal
    import threading

    from scheduler.runner import run_scheduler

    svc = services()
    if not svc.settings.slack_bot_token:
        svc.close()
        raise fail(
            "dragonfly scheduler sends to Slack and needs SLACK_BOT_TOKEN; to preview messages without "
            "Slack use: dragonfly jobs run digest --dry-run",
            2,
        )
    logging.getLogger("scheduler").setLevel(logging.INFO)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_scheduler(svc, stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        svc.close()


@app.command("list")
def list_jobs() -> None:
    """Each job with its schedule and next run time in the firm's time zone.

    Example: dragonfly jobs list
    """
    from scheduler.runner import plan

    svc = services()
    try:
        tz = svc.settings.tz
        for p in plan(svc, datetime.now(tz)):
            nxt = p.next_run.astimezone(tz).isoformat() if p.next_run else "-"
            console.print(f"{p.name:<18} {p.cron:<20} next {nxt}  (grace {p.grace})")
    finally:
        svc.close()


@app.command("run")
def run(
    name: str = typer.Argument(..., help="digest, stale, weekly, nightly or documents_missing"),
    at: str | None = typer.Option(None, "--at", help="Run as of this ISO time (firm's zone if no offset)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the messages instead of queuing them"),
    force: bool = typer.Option(False, "--force", help="Run on a weekend or holiday too"),
) -> None:
    """Run one job now (claims its period: a second run sends nothing).

    Example: dragonfly jobs run digest --at 2026-12-01T08:30 --dry-run
    """
    from scheduler.jobs import JOBS
    from scheduler.jobs.base import run_job

    if name not in JOBS:
        raise fail(f"No job {name!r}; jobs: {', '.join(JOBS)}")
    svc = services()
    try:
        tz = svc.settings.tz
        now = datetime.now(tz)
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError:
                raise fail(f"--at {at!r} is not an ISO date-time, e.g. 2026-12-01T08:30") from None
            if now.tzinfo is None:
                now = now.replace(tzinfo=tz)
        result = run_job(svc, JOBS[name], now=now, dry_run=dry_run, force_day=force)
        console.print(f"{result.job} {result.period}: {result.status}, {len(result.messages)} message(s)")
        if dry_run:
            for m in result.messages:
                console.print(m.as_text(), markup=False, highlight=False)
    finally:
        svc.close()
