"""The production path: `dragonfly serve` (gunicorn) in its own process, driven by signed requests;
plus URL verification and admin-only payment reversals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.e2e.conftest import ADMIN, OFFICER, SECRET, Bot
from tests.e2e.slack_signing import SlackSender
from tests.fake_slack import BOT_TOKEN, FakeSlack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dragonfly_serve_under_gunicorn(
    bot: Bot, db_url: str, fake_slack: FakeSlack, case_ref: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DRAGONFLY_HOME": str(tmp_path),
        "DRAGONFLY_ADMINS": "UBOOT1",
    }
    env.pop("SLACK_APP_TOKEN", None)
    cli = Path(sys.executable).with_name("dragonfly")
    proc = subprocess.Popen(
        [str(cli), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise AssertionError("dragonfly serve did not answer /healthz")
        sender = SlackSender(url, SECRET)
        r = sender.command(f"stage {case_ref} discovery served by gunicorn", user=OFFICER)
        assert r.status_code == 200 and "intake -> discovery" in r.json()["text"]
        assert bot.case(case_ref)["stage"] == "discovery"
        assert sender.command("help", user=OFFICER, secret="wrong").status_code == 401
        # DRAGONFLY_ADMINS was seeded at start-up
        assert bot.scalar("SELECT role FROM v_app_users WHERE slack_user_id = 'UBOOT1'") == "admin"
    finally:
        proc.terminate()
        proc.wait(10)


def test_url_verification(bot: Bot) -> None:
    import json

    body = json.dumps({"token": "x", "challenge": "chal-123", "type": "url_verification"}).encode()
    r = bot.slack.post(body, "application/json")
    assert r.status_code == 200 and "chal-123" in r.text


def test_payment_reversal_is_for_admins(bot: Bot, case_ref: str) -> None:
    bot.services.settings.dragonfly_payment_proof_required = False
    bot.slack.command(f"pay {case_ref} 500 direct", user=OFFICER)
    payment = bot.rows("SELECT payment_id FROM v_payments")[0]["payment_id"]
    r = bot.slack.command(f"pay {case_ref} 500 reversal #{payment}", user=OFFICER)
    assert "needs the admin role" in r.json()["text"]
    assert len(bot.rows("SELECT 1 FROM v_payments")) == 1
    r = bot.slack.command(f"pay {case_ref} 500 reversal #{payment}", user=ADMIN)
    assert "reversal" in r.json()["text"], r.json()
    gross = sorted(p["gross"] for p in bot.rows("SELECT gross FROM v_payments"))
    assert [str(g) for g in gross] == ["-500.00", "500.00"]


def test_serve_picks_socket_mode_with_an_app_token(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot import server
    from dragonfly.settings import Settings

    picked: list[str] = []
    monkeypatch.setattr(server, "serve_socket_mode", lambda s: picked.append("socket"))
    monkeypatch.setattr(server, "serve_http", lambda s, **kw: picked.append("http"))
    server.serve(Settings(slack_app_token="xapp-1-test"))
    server.serve(Settings(slack_app_token=None))
    assert picked == ["socket", "http"]
