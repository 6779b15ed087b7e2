"""Benchmark: the project's Slack bot against a floor Bolt app, served the same way, same run.

    python bench/bench_bot.py [--cases 200] [--requests 2000] [--concurrency 4] [--workers 2]

Both apps run under gunicorn (this file's `Server`, sync workers, same count, process_before_response,
signature verification on), on loopback, with the Web API pointed at the fake Slack server. The floor's
`/enforce` handler only acks. Each is loaded with signed `/enforce stage DF-n execution|discovery`
requests (each case alternates, so every request is a legal move the project records), then with
signed `/enforce case DF-n`. Prints requests/s and p50/p99 latency for each, and the ratios.

Targets: project throughput >= 0.5 x floor; project p99 < 3 x floor p99 and < 250 ms.
Needs PostgreSQL: DRAGONFLY_BENCH_DATABASE_URL, else DRAGONFLY_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/postgres (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
USER = "UBENCHOFFICER"


# -- the two apps, built inside each gunicorn worker ---------------------------------------------
def floor_app() -> Any:
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        signing_secret=SECRET,
        client=client,
        process_before_response=True,
        token_verification_enabled=False,
    )

    @app.command("/enforce")
    def enforce(ack: Any) -> None:
        ack()

    return SlackRequestHandler(app)


def project_app() -> Any:
    from bot.wsgi import make_wsgi_app
    from dragonfly.bootstrap import bootstrap
    from dragonfly.settings import Settings

    return make_wsgi_app(bootstrap(Settings(), pool_size=2))


def serve(which: str, bind: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for k, v in {
                "bind": bind,
                "workers": workers,
                "worker_class": "sync",
                "threads": 1,
                "accesslog": None,
                "loglevel": "warning",
                "keepalive": 5,
            }.items():
                self.cfg.set(k, v)

        def load(self) -> Any:
            return floor_app() if which == "floor" else project_app()

    Server().run()


# -- setup -----------------------------------------------------------------------------------
def make_database(admin_url: str, cases: int) -> str:
    from datetime import date
    from decimal import Decimal

    import psycopg

    from dragonfly import db, rpc

    name = f"df_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = db.with_database(admin_url, name)
    db.upgrade(url)
    engine = db.make_engine(url)
    with rpc.transaction(engine) as conn:
        rpc.grant_role(conn, slack_user_id=USER, role="officer", actor="cli:bench")
        for i in range(cases):
            ref = rpc.create_enforcement_case(
                conn,
                plaintiff_name=f"Plaintiff {i % 7}",
                debtor_name=f"Debtor {i}",
                debtor_type="person",
                court="Civil Court of the City of New York",
                county="Kings",
                index_number=f"{50000 + i}/22",
                entered_on=date(2022, 6, 1),
                principal=Decimal("5000.00") + i,
                owner=USER,
                actor="cli:bench",
                source="bench",
            )["case_ref"]
            rpc.set_enforcement_stage(
                conn, case_ref=ref, stage="discovery", actor="cli:bench", source="bench"
            )
    engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    from dragonfly import db

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db.database_name(url)} WITH (FORCE)")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    which: str, env: dict[str, str], workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            which,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(200):
        try:
            requests.get(url + "/healthz", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{which} did not start")


# -- load --------------------------------------------------------------------------------------
def load(url: str, texts_per_thread: list[list[str]], check: str | None) -> dict[str, float]:
    import requests

    from tests.e2e.slack_signing import SlackSender

    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker(texts: list[str]) -> None:
        sender = SlackSender(url, SECRET, requests.Session())
        mine: list[float] = []
        bad = 0
        for text in texts:
            body = sender.command_body(text, user=USER)
            t0 = time.perf_counter()
            r = sender.post(body, "application/x-www-form-urlencoded")
            mine.append(time.perf_counter() - t0)
            if r.status_code != 200 or (check is not None and check not in r.text):
                bad += 1
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=worker, args=(t,)) for t in texts_per_thread]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures[0],
    }


def stage_texts(case_numbers: list[int], per_thread: int, concurrency: int) -> list[list[str]]:
    """Each thread owns its cases (so moves never race); each case alternates execution/discovery."""
    out = []
    for t in range(concurrency):
        mine = case_numbers[t::concurrency]
        state = {n: "discovery" for n in mine}
        texts = []
        for i in range(per_thread):
            n = mine[i % len(mine)]
            state[n] = "execution" if state[n] == "discovery" else "discovery"
            texts.append(f"stage DF-{n} {state[n]}")
        out.append(texts)
    return out


def case_texts(case_numbers: list[int], per_thread: int, concurrency: int) -> list[list[str]]:
    return [
        [
            f"case DF-{case_numbers[(t * 7919 + i * 31) % len(case_numbers)]}"
            for i in range(per_thread)
        ]
        for t in range(concurrency)
    ]


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--requests", type=int, default=2000, help="requests per phase and app")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--serve", choices=["floor", "project"], help=argparse.SUPPRESS)
    p.add_argument("--bind", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        serve(a.serve, a.bind, a.workers)
        return

    from dragonfly import db
    from tests.fake_slack import BOT_TOKEN, FakeSlack

    admin = db.plain_url(
        os.environ.get("DRAGONFLY_BENCH_DATABASE_URL")
        or os.environ.get("DRAGONFLY_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    fake = FakeSlack().start()
    url = make_database(admin, a.cases)
    numbers = list(range(1001, 1001 + a.cases))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DRAGONFLY_ADMINS": "",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SLACK_APP_TOKEN", None)
    per_thread = max(1, a.requests // a.concurrency)
    results: dict[tuple[str, str], dict[str, float]] = {}
    try:
        for which in ("floor", "project"):
            proc, base = start_server(which, env, a.workers)
            try:
                load(
                    base, [["help"] * 20 for _ in range(a.concurrency)], None
                )  # warm up every worker
                check = "->" if which == "project" else None
                print(f"{which}: stage phase", file=sys.stderr, flush=True)
                results[(which, "stage")] = load(
                    base, stage_texts(numbers, per_thread, a.concurrency), check
                )
                print(f"{which}: case phase", file=sys.stderr, flush=True)
                check = "Case DF-" if which == "project" else None
                results[(which, "case")] = load(
                    base, case_texts(numbers, per_thread, a.concurrency), check
                )
            finally:
                proc.terminate()
                proc.wait(10)
    finally:
        fake.stop()
        drop_database(admin, url)

    print(
        f"bot bench: {a.workers} gunicorn sync workers each, concurrency {a.concurrency}, "
        f"{per_thread * a.concurrency} requests per phase, {a.cases} cases"
    )
    ok = True
    for phase in ("stage", "case"):
        f, pj = results[("floor", phase)], results[("project", phase)]
        tput, p99x = pj["rps"] / f["rps"], pj["p99"] / f["p99"]
        for name, r in (("floor", f), ("project", pj)):
            print(
                f"  {phase:5} {name:7}: {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                f"  failures {int(r['failures'])}"
            )
        good = tput >= 0.5 and p99x < 3 and pj["p99"] < 250 and pj["failures"] == 0
        ok &= good
        print(
            f"  {phase:5} ratios : throughput {tput:.2f} (>= 0.5), p99 {p99x:.2f}x floor (< 3), "
            f"project p99 {pj['p99']:.1f} ms (< 250) -> {'OK' if good else 'MISSED'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
