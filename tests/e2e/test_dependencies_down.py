"""A dependency down on the request path: Slack answering 429 or 500 to a call made while
answering, or the database unreachable. The person is told what is unavailable and that
nothing was recorded (not "Something went wrong"), and nothing is recorded."""

from __future__ import annotations

import socket

import pytest

from dragonfly import db
from dragonfly.bootstrap import Services
from tests.e2e.conftest import OFFICER, SECRET, Bot, _serve
from tests.e2e.slack_signing import SlackSender


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (429, "Slack is limiting how fast this app may call it (HTTP 429)"),
        (500, "Slack's Web API is failing right now (HTTP 500)"),
    ],
)
def test_slack_refusing_a_modal(bot: Bot, case_ref: str, status: int, said: str) -> None:
    bot.fake.fail_next("views.open", status)
    r = bot.slack.command(f"note {case_ref}", user=OFFICER)
    assert r.status_code == 200
    text = r.json()["text"]
    assert said in text and "nothing was recorded" in text and "Something went wrong" not in text


def test_slack_refusing_the_waiting_message_records_nothing(bot: Bot, case_ref: str) -> None:
    """The "waiting for the document" message is posted after the transaction commits; when
    Slack refuses it, no upload request is left waiting for a thread that does not exist."""
    assert bot.services.settings.dragonfly_payment_proof_required
    bot.fake.fail_next("chat.postMessage", 500)
    r = bot.slack.command(f"pay {case_ref} 250 direct", user=OFFICER)
    text = r.json()["text"]
    assert "HTTP 500" in text and "nothing was recorded" in text, text
    assert bot.rows("SELECT id FROM v_upload_requests") == []
    # and when Slack answers, the same command works (a new trigger id, as Slack sends)
    r = bot.slack.command(f"pay {case_ref} 250 direct", user=OFFICER)
    assert "Upload it in the thread" in r.json()["text"]
    posted = bot.fake.calls_to("chat.postMessage")[-1]
    rows = bot.rows("SELECT channel, case_ref, step FROM v_upload_requests")
    assert rows == [{"channel": posted.params["channel"], "case_ref": case_ref, "step": "pay"}]


def test_database_unreachable(bot: Bot) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    engine = db.make_engine(f"postgresql://postgres@127.0.0.1:{port}/postgres")
    down = Services(settings=bot.services.settings, database_url="", engine=engine)
    server = None
    try:
        url, server = _serve(down)
        r = SlackSender(url, SECRET).command("note DF-1001 the levy arrived", user=OFFICER)
        assert r.status_code == 200
        text = r.json()["text"]
        assert text.startswith(":hourglass: The database is unavailable right now, so nothing was recorded")
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        engine.dispose()
