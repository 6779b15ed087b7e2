"""End-to-end fixtures: the real WSGI app served over real HTTP on loopback (a threading
wsgiref server), its Web API pointed at the fake Slack, requests signed like Slack's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.wsgi import make_wsgi_app
from dragonfly import db, rpc
from dragonfly.bootstrap import Services
from dragonfly.settings import Settings
from tests.e2e.slack_signing import SlackSender
from tests.fake_slack import BOT_TOKEN, FakeSlack

SECRET = "e2e-signing-secret"
ADMIN, OFFICER, VIEWER, NOBODY = "UADMIN1", "UOFFICER1", "UVIEWER1", "UNOBODY1"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Bot:
    url: str
    slack: SlackSender
    fake: FakeSlack
    services: Services

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.services.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.services.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def events(self, case_ref: str | None = None) -> int:
        if case_ref:
            return int(
                self.scalar(
                    "SELECT count(*) FROM v_enforcement_timeline WHERE case_ref = :r", r=case_ref
                )
            )
        return int(self.scalar("SELECT count(*) FROM v_enforcement_timeline"))

    def case(self, case_ref: str) -> dict[str, Any]:
        return self.rows("SELECT * FROM v_enforcement_cases WHERE case_ref = :r", r=case_ref)[0]

    def ingestion(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM v_ingestion_jobs ORDER BY id")

    def outbox(self, method: str | None = None) -> list[dict[str, Any]]:
        rows = self.rows("SELECT * FROM v_outbox ORDER BY id")
        return [r for r in rows if method is None or r["method"] == method]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def _serve(services: Services) -> tuple[str, Any]:
    server = make_server(
        "127.0.0.1", 0, make_wsgi_app(services), server_class=_Server, handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture
def bot_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_api_url": fake_slack.api_url,
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SECRET,
        }
    )


@pytest.fixture
def bot(bot_settings: Settings, db_url: str, fake_slack: FakeSlack) -> Iterator[Bot]:
    services = Services(settings=bot_settings, database_url=db_url, engine=db.make_engine(db_url))
    with rpc.transaction(services.engine) as conn:
        for user, role in ((ADMIN, "admin"), (OFFICER, "officer"), (VIEWER, "viewer")):
            rpc.grant_role(conn, slack_user_id=user, role=role, actor="cli:test")
    url, server = _serve(services)
    yield Bot(url=url, slack=SlackSender(url, SECRET), fake=fake_slack, services=services)
    server.shutdown()
    server.server_close()
    services.close()


@pytest.fixture
def case_ref(make_case: Any) -> str:
    return str(make_case(owner=OFFICER))


def firm_today() -> date:
    """Today in the firm's time zone (the bot judges "past" and "future" dates by it)."""
    return datetime.now(ZoneInfo(Settings().dragonfly_timezone)).date()
