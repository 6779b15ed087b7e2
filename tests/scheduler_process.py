"""One scheduler process for the exactly-once test: `python -m tests.scheduler_process`.

Builds Services from the environment (DATABASE_URL, SLACK_API_URL, SLACK_BOT_TOKEN, the usual
Settings variables), runs the outbox worker in a thread, and for each `--at` time meets the other
processes at a file barrier (so they claim the same period at the same moment), then runs
`catch_up` as of that time, like a scheduler starting up. When every period is done it drains the
outbox until nothing is pending, prints one JSON line with what it did, and exits.

Example:
  DATABASE_URL=postgresql://... SLACK_API_URL=http://127.0.0.1:PORT/api/ SLACK_BOT_TOKEN=xoxb-... \
  python -m tests.scheduler_process --name a --parties 2 --barrier-dir /tmp/b \
      --at 2026-12-07T09:05-05:00 --at 2026-12-08T09:05-05:00
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from dragonfly import db
from dragonfly.bootstrap import Services
from dragonfly.settings import Settings
from scheduler import outbox
from scheduler.runner import catch_up


def barrier(directory: Path, step: int, name: str, parties: int, timeout: float) -> None:
    """Wait until `parties` processes have reached `step` (a file per process and step)."""
    (directory / f"{step}.{name}").touch()
    deadline = time.monotonic() + timeout
    while len(list(directory.glob(f"{step}.*"))) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier {step}: the other scheduler did not arrive")
        time.sleep(0.005)


def drain(services: Services, stop: threading.Event, sent: list[int]) -> None:
    while not stop.is_set():
        n = outbox.deliver_due(services, 5)
        sent[0] += n
        if n == 0:
            time.sleep(0.05)


def pending(services: Services) -> int:
    with services.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM v_outbox WHERE status NOT IN ('sent', 'failed')")).scalar_one()
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", required=True)
    parser.add_argument("--parties", type=int, default=2)
    parser.add_argument("--barrier-dir", type=Path, default=Path("."))
    parser.add_argument("--at", action="append", default=[], help="aware ISO datetime")
    parser.add_argument(
        "--drain-only", action="store_true", help="no periods, no barrier: deliver the outbox until nothing is pending"
    )
    parser.add_argument("--timeout", type=float, default=40.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    settings = Settings()
    url = db.resolve_url(settings)
    services = Services(settings=settings, database_url=url, engine=db.make_engine(url))
    stop = threading.Event()
    sent = [0]
    worker = threading.Thread(target=drain, args=(services, stop, sent), daemon=True)
    worker.start()
    results = []
    try:
        for step, at in enumerate([] if args.drain_only else args.at):
            now = datetime.fromisoformat(at)
            barrier(args.barrier_dir, step, args.name, args.parties, args.timeout)
            for r in catch_up(services, now):
                results.append({"job": r.job, "period": r.period, "status": r.status})
        if not args.drain_only:
            barrier(args.barrier_dir, len(args.at), args.name, args.parties, args.timeout)
        deadline = time.monotonic() + args.timeout
        while pending(services) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(timeout=30)
        services.close()
    print(json.dumps({"name": args.name, "results": results, "sent": sent[0]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
