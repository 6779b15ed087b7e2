"""Socket Mode end to end: `dragonfly serve` with SLACK_APP_TOKEN in its own process calls
apps.connections.open on the fake Web API, connects to a local WebSocket stand-in, and acks a
slash command (with its reply) and an event (whose work reaches the Web API). If Slack cannot be
reached, or refuses the token, it says so in one sentence and exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.test_serve import free_port
from tests.fake_slack import BOT_TOKEN, FakeSlack
from tests.socket_mode_standin import SocketModeStandIn

APP_TOKEN = "xapp-1-A0-local-socket"
CLI = Path(sys.executable).with_name("dragonfly")


def env_for(db_url: str, api_url: str, home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api_url,
        "DRAGONFLY_HOME": str(home),
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    return env


@pytest.fixture
def standin() -> Iterator[SocketModeStandIn]:
    s = SocketModeStandIn().start()
    yield s
    s.stop()


def test_socket_mode_acks_a_command_and_an_event(
    bot: Bot, db_url: str, fake_slack: FakeSlack, standin: SocketModeStandIn, tmp_path: Path
) -> None:
    fake_slack.app_tokens.add(APP_TOKEN)
    fake_slack.responses["apps.connections.open"] = {"url": standin.url}
    metrics_port = free_port()
    env = env_for(db_url, fake_slack.api_url, tmp_path)
    env["DRAGONFLY_SOCKET_METRICS_BIND"] = f"127.0.0.1:{metrics_port}"
    proc = subprocess.Popen([str(CLI), "serve"], env=env)
    try:
        assert standin.wait_connected(60), "dragonfly serve did not open the Socket Mode WebSocket"
        opened = fake_slack.calls_to("apps.connections.open")
        assert opened and opened[-1].headers["Authorization"] == f"Bearer {APP_TOKEN}"
        command = {
            "token": "legacy",
            "team_id": "T0",
            "channel_id": "C0OPS",
            "user_id": OFFICER,
            "command": "/enforce",
            "text": "help",
            "api_app_id": "A0",
            "trigger_id": "1.2.socket",
            "response_url": "https://hooks.slack.com/commands/T0/1/x",
        }
        ack = standin.ack_for(standin.send_envelope("slash_commands", command))
        assert "/enforce" in ack["payload"]["text"] and ack["payload"]["response_type"] == "ephemeral"
        event = {
            "token": "legacy",
            "team_id": "T0",
            "api_app_id": "A0",
            "type": "event_callback",
            "event_id": "EvSOCKET1",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": OFFICER, "channel": "D0OFFICER", "tab": "home"},
        }
        ack = standin.ack_for(standin.send_envelope("events_api", event))
        assert ack["envelope_id"] and not ack.get("payload")
        # The listener queues the Home for the outbox worker (it is never built in the request).
        queued: list[str] = []
        for _ in range(100):
            queued = bot.scalar(
                "SELECT coalesce(array_agg(payload->>'user_id'), '{}') FROM v_outbox WHERE method = 'home.publish'"
            )
            if queued:
                break
            time.sleep(0.1)
        assert queued == [OFFICER]
        # Each envelope is metered like the HTTP request it replaces, on the Socket Mode listener.
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        counts = {
            (sample.labels.get("surface"), sample.labels.get("command"), sample.labels.get("status")): sample.value
            for family in text_string_to_metric_families(scraped.text)
            for sample in family.samples
            if sample.name == "dragonfly_requests_total"
        }
        assert counts[("command", "help", "200")] == 1
        assert counts[("event", "app_home_opened", "200")] == 1
    finally:
        proc.terminate()
        proc.wait(15)


def run_serve(db_url: str, api_url: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "serve"], env=env_for(db_url, api_url, home), capture_output=True, text=True, timeout=120
    )


def test_unreachable_slack_is_one_sentence_and_exit_2(db_url: str, tmp_path: Path) -> None:
    done = run_serve(db_url, f"http://127.0.0.1:{free_port()}/api/", tmp_path)
    assert done.returncode == 2
    err = done.stderr.strip()
    assert "Traceback" not in err and "URLError" not in err
    assert err.splitlines()[-1].startswith("dragonfly: cannot reach Slack at http://127.0.0.1:")
    assert "for Socket Mode" in err


def test_a_refused_app_token_is_one_sentence_and_exit_2(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> None:
    done = run_serve(db_url, fake_slack.api_url, tmp_path)  # the fake does not know APP_TOKEN
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Slack refused SLACK_APP_TOKEN for Socket Mode (not_authed)" in done.stderr


def test_a_websocket_that_does_not_connect_is_one_sentence_and_exit_2(
    fake_slack: FakeSlack, db_url: str, tmp_path: Path
) -> None:
    fake_slack.app_tokens.add(APP_TOKEN)
    fake_slack.responses["apps.connections.open"] = {"url": f"ws://127.0.0.1:{free_port()}/link/"}
    done = run_serve(db_url, fake_slack.api_url, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "its WebSocket did not connect" in done.stderr.strip().splitlines()[-1]
