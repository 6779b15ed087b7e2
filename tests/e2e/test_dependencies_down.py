"""A dependency down on the request path: Slack answering 429 or 500 to a call made while
answering, or the database unreachable. The person is told what is unavailable and that
nothing was recorded (not "Something went wrong"), and nothing is recorded."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

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


class PgProxy:
    """A TCP proxy on loopback in front of the test PostgreSQL, which the test can cut: every
    open connection is closed and new ones are refused, as when the database goes down."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.down = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        for s in self.open:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def test_database_down_after_start(bot: Bot, db_url: str, case_ref: str) -> None:
    parts = urlsplit(db_url)
    proxy = PgProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    via_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    engine = db.make_engine(via_proxy)
    services = Services(settings=bot.services.settings, database_url=via_proxy, engine=engine)
    url, server = _serve(services)
    try:
        sender = SlackSender(url, SECRET)
        assert "Note added" in sender.command(f"note {case_ref} while up", user=OFFICER).json()["text"]
        proxy.cut()
        time.sleep(6)  # the role cache (5 s) no longer answers: the database is asked, and is gone
        r = sender.command(f"note {case_ref} the levy arrived", user=OFFICER)
        assert r.status_code == 200
        text = r.json()["text"]
        assert text.startswith(":hourglass: The database is unavailable right now, so nothing was recorded"), text
        assert bot.events(case_ref) == 2  # intake and the first note only
    finally:
        server.shutdown()
        server.server_close()
        engine.dispose()
