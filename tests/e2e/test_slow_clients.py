"""Slow clients cannot take the bot down: `dragonfly serve` (gunicorn, threaded workers) keeps
answering a valid /enforce help fast while two raw sockets dribble a request a byte at a time,
and drops each dribbler once its request has taken longer than the read deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bot.server import REQUEST_READ_SECONDS
from tests.e2e.conftest import OFFICER, SECRET
from tests.e2e.slack_signing import SlackSender
from tests.e2e.test_serve import free_port
from tests.fake_slack import BOT_TOKEN, FakeSlack


def dribble(port: int, head: bytes, closed_after: list[float]) -> None:
    """Send `head` then one byte every 0.25 s; record when the server closed the connection."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(0.25)
        for i in range(200):
            try:
                s.sendall(head[i : i + 1] if i < len(head) else b"a")
                if s.recv(1024) == b"":  # the server answered or closed: either way it let go
                    break
            except TimeoutError:
                continue
            except OSError:
                break
    closed_after.append(time.monotonic() - t0)


def test_help_answers_fast_while_two_clients_dribble(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DRAGONFLY_HOME": str(tmp_path),
        "DRAGONFLY_ADMINS": "",
    }
    env.pop("SLACK_APP_TOKEN", None)
    cli = Path(sys.executable).with_name("dragonfly")
    # One worker, so the two dribblers and the real request share it (2 sync workers fell to this).
    proc = subprocess.Popen(
        [str(cli), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise AssertionError("dragonfly serve did not answer /healthz")
        closed: list[float] = []
        slow_headers = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-Signature: v0="
        slow_body = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\ntext="
        dribblers = [
            threading.Thread(target=dribble, args=(port, head, closed), daemon=True)
            for head in (slow_headers, slow_body)
        ]
        for t in dribblers:
            t.start()
        time.sleep(1.0)  # both are now mid-request, holding whatever they can
        sender = SlackSender(url, SECRET)
        for _ in range(5):
            t0 = time.perf_counter()
            r = sender.command("help", user=OFFICER)
            assert r.status_code == 200 and "/enforce" in r.json()["text"]
            assert time.perf_counter() - t0 < 1.0
        for t in dribblers:
            t.join(REQUEST_READ_SECONDS + 10)
        # each dribbler was cut off at the read deadline, not left to hold a thread
        assert len(closed) == 2 and all(c < REQUEST_READ_SECONDS + 3 for c in closed), closed
    finally:
        proc.terminate()
        proc.wait(10)
