"""Benchmark: the project's Slack bot against a floor Bolt app, served the same way, same run.

    python bench/bench_bot.py [--cases 5000] [--seconds 8] [--workers 2] [--threads 8]

Both apps run under gunicorn with the project's own serving configuration
(bot.server.gunicorn_options: threaded workers, same count), process_before_response, signature
verification on, on loopback, Web API pointed at the fake Slack server, on a demo book
(dragonfly.demo.seed). The floor's `/enforce` handler only acks.

Load comes from `wrk` (Debian package `wrk`; installed here with apt-get when missing and run as
root) with a Lua script that cycles pre-signed requests, each with its own trigger id, so every
write is a real, recorded, legal stage move (`/enforce stage DF-n execution|discovery`, each
case alternating) and every read a real case card (`/enforce case DF-n`). Only when wrk cannot
be had does it fall back to a multi-process Python client, and it says so: that client caps the
floor, which flatters the project.

First it shows the load generator is not the bottleneck: the floor is loaded with 1x, 2x and 4x
the connections; if its throughput still rises, the connection count is doubled until it stops.

Targets, same run: project read and write throughput >= 0.7 x floor; p99 <= 2 x floor's and
< 50 ms. Needs PostgreSQL: DRAGONFLY_BENCH_DATABASE_URL, else DRAGONFLY_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/postgres (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_drivers import LUA, python_load  # noqa: E402

SECRET = "bench-signing-secret"
USER = "U0BRUNO02"  # an officer in the demo book


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


def project_app(threads: int) -> Any:
    from bot.wsgi import make_wsgi_app
    from dragonfly.bootstrap import bootstrap
    from dragonfly.settings import Settings

    return make_wsgi_app(bootstrap(Settings(), pool_size=threads + 1))


def serve(which: str, bind: str, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from bot.server import gunicorn_options

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for k, v in gunicorn_options(bind, workers, threads).items():
                self.cfg.set(k, v)

        def load(self) -> Any:
            return floor_app() if which == "floor" else project_app(threads)

    Server().run()


# -- setup -----------------------------------------------------------------------------------
def ensure_wrk() -> str | None:
    """The path of wrk, installing the Debian package when missing (as root); else None."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: wrk is missing; installing the Debian package wrk", file=sys.stderr, flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    return shutil.which("wrk")


def make_database(admin_url: str, cases: int, home: Path) -> tuple[str, list[tuple[int, str]]]:
    """A scratch database holding a demo book; returns its URL and the (number, stage) of every
    open case in discovery or execution (the cases the write phase moves back and forth)."""
    import psycopg

    from dragonfly import db, demo
    from dragonfly.bootstrap import Services
    from dragonfly.settings import Settings

    name = f"df_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = db.with_database(admin_url, name)
    db.upgrade(url)
    settings = Settings(database_url=url, storage_url=f"file://{home / 'documents'}", dragonfly_admins="")
    services = Services(settings=settings, database_url=url, engine=db.make_engine(url))
    demo.seed(services, cases=cases, documents=True)
    services.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url, movable_cases(url)


def movable_cases(url: str) -> list[tuple[int, str]]:
    """The (number, stage) of every open case in discovery or execution."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        movable = conn.execute(
            "SELECT case_number, stage FROM v_enforcement_cases"
            " WHERE status = 'open' AND stage IN ('discovery', 'execution') ORDER BY case_number"
        ).fetchall()
    return [(int(n), str(s)) for n, s in movable]


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


def start_server(which: str, env: dict[str, str], workers: int, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [
        sys.executable,
        __file__,
        "--serve",
        which,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(300):
        try:
            requests.get(url + "/healthz", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{which} did not start")


# -- requests ----------------------------------------------------------------------------------
_serial = [0]


def signed_line(text: str) -> str:
    """One request for the Lua script: timestamp, signature and body on one line."""
    _serial[0] += 1
    n = _serial[0]
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0",
            "team_domain": "firm",
            "channel_id": "C0OPS",
            "channel_name": "enforcement",
            "user_id": USER,
            "user_name": "bench",
            "command": "/enforce",
            "text": text,
            "api_app_id": "A0",
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0/1/x",
            "trigger_id": f"{n}.{os.getpid()}.bench{n}",
        }
    )
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"{ts} {sig} {body}"


def write_texts(movable: list[tuple[int, str]], count: int) -> list[str]:
    """Stage moves cycling through the cases, each case alternating; a case comes round again
    only after every other case, so concurrent requests never race on one case."""
    state = {n: s for n, s in movable}
    out = []
    while len(out) < count:
        for n, _ in movable:
            state[n] = "execution" if state[n] == "discovery" else "discovery"
            out.append(f"stage DF-{n} {state[n]}")
    return out[:count]


def read_texts(movable: list[tuple[int, str]], count: int) -> list[str]:
    numbers = [n for n, _ in movable]
    return [f"case DF-{numbers[(i * 7919) % len(numbers)]}" for i in range(count)]


def request_file(directory: Path, name: str, texts: list[str]) -> Path:
    path = directory / f"{name}.txt"
    path.write_text("".join(signed_line(t) + "\n" for t in texts))
    return path


# -- load --------------------------------------------------------------------------------------
def run_load(
    wrk: str | None, url: str, requests_path: Path, check: str, *, connections: int, seconds: float, lua: Path
) -> dict[str, float]:
    if wrk is None:
        return python_load(url, requests_path, check, connections=connections, seconds=seconds)
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(lua),
            url + "/slack/events",
            "--",
            str(requests_path),
            check,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line[len("RESULT ") :]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=5000)
    p.add_argument("--seconds", type=int, default=8, help="seconds per measurement")
    p.add_argument("--connections", type=int, default=8, help="client connections to start from")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument(
        "--database",
        help="an already seeded book to reuse (migrated to this checkout; kept afterwards) instead of a fresh one",
    )
    p.add_argument("--serve", choices=["floor", "project"], help=argparse.SUPPRESS)
    p.add_argument("--bind", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        serve(a.serve, a.bind, a.workers, a.threads)
        return

    from dragonfly import db
    from tests.fake_slack import BOT_TOKEN, FakeSlack

    wrk = ensure_wrk()
    if wrk is None:
        print(
            "bench: wrk is not available; FALLING BACK to the multi-process Python client, which may "
            "cap the floor (numbers flatter the project)",
            file=sys.stderr,
            flush=True,
        )
    admin = db.plain_url(
        os.environ.get("DRAGONFLY_BENCH_DATABASE_URL")
        or os.environ.get("DRAGONFLY_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    lua = tmp / "cycle.lua"
    lua.write_text(LUA)
    fake = FakeSlack().start()
    if a.database:
        url, movable = a.database, movable_cases(a.database)
        import psycopg

        with psycopg.connect(url) as conn:
            a.cases = int(conn.execute("SELECT count(*) FROM v_enforcement_cases").fetchone()[0])  # type: ignore[index]
    else:
        print(f"bench: seeding a {a.cases}-case demo book", file=sys.stderr, flush=True)
        url, movable = make_database(admin, a.cases, tmp)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DRAGONFLY_ADMINS": "",
        "PYTHONPATH": str(ROOT),
        "STORAGE_URL": f"file://{tmp / 'documents'}",
    }
    env.pop("SLACK_APP_TOKEN", None)
    budget = int(a.seconds * 6000)  # more requests than any run can send: none is ever repeated
    results: dict[str, dict[str, float]] = {}
    saturation: list[tuple[int, float]] = []
    conns = a.connections
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        # Both apps are up for the whole run and measured turn about (floor, project, floor, ...)
        # so a change in the machine's load hits both alike.
        for which in ("floor", "project"):
            servers[which] = start_server(which, env, a.workers, a.threads)
        floor, project = servers["floor"][1], servers["project"][1]
        warm = request_file(tmp, "warm", ["help"] * 4000)
        run_load(wrk, floor, warm, "", connections=conns, seconds=2, lua=lua)
        run_load(wrk, project, warm, "/enforce", connections=conns, seconds=2, lua=lua)
        # the card's statements become prepared (and generic) on every pooled connection
        run_load(
            wrk,
            project,
            request_file(tmp, "warm-read", read_texts(movable[::-1], 4000)),
            "Case DF-",
            connections=conns * 4,
            seconds=2,
            lua=lua,
        )
        # Is the load generator the bottleneck? More connections must not raise the floor.
        for c in (conns, conns * 2, conns * 4):
            r = run_load(
                wrk,
                floor,
                request_file(tmp, f"sat{c}", read_texts(movable, budget)),
                "",
                connections=c,
                seconds=a.seconds,
                lua=lua,
            )
            saturation.append((c, r["rps"]))
        best = max(saturation, key=lambda x: x[1])
        if best[1] > 1.1 * saturation[0][1]:
            conns = best[0]  # the first count left the server idle part of the time: use the best
        for phase, texts, check in (
            ("write", write_texts(movable, budget), "->"),
            ("read", read_texts(movable, budget), "Case DF-"),
        ):
            for which, base in (("floor", floor), ("project", project)):
                results[f"{which} {phase}"] = run_load(
                    wrk,
                    base,
                    request_file(tmp, f"{which}-{phase}", texts),
                    check if which == "project" else "",
                    connections=conns,
                    seconds=a.seconds,
                    lua=lua,
                )
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
        fake.stop()
        if not a.database:
            drop_database(admin, url)
        shutil.rmtree(tmp, ignore_errors=True)

    tool = "wrk -t1" if wrk else "multi-process Python client (wrk missing)"
    print(
        f"bot bench: {tool}, {a.workers} gunicorn workers x {a.threads} threads each, {a.seconds:g} s per run, "
        f"{a.cases}-case demo book ({len(movable)} cases moved)"
    )
    print(
        "  load generator check (floor, /enforce case): "
        + ", ".join(f"{c} conns {rps:.0f} req/s" for c, rps in saturation)
        + f" -> measuring with {conns}"
    )
    ok = True
    for phase in ("write", "read"):
        f, pj = results[f"floor {phase}"], results[f"project {phase}"]
        for name, r in (("floor", f), ("project", pj)):
            print(
                f"  {phase:5} {name:7}: {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                f"  requests {int(r['n'])}  failures {int(r['failures'])}"
            )
        tput, p99x = pj["rps"] / f["rps"], pj["p99"] / f["p99"]
        good = tput >= 0.7 and p99x <= 2 and pj["p99"] < 50 and pj["failures"] == 0
        ok &= good
        print(
            f"  {phase:5} ratios : throughput {tput:.2f} (>= 0.7), p99 {p99x:.2f}x floor (<= 2), "
            f"project p99 {pj['p99']:.1f} ms (< 50) -> {'OK' if good else 'MISSED'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
