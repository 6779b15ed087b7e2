"""Fixtures the integration tests of the Slack-facing workers share: the fake Slack Web API on
loopback, and services whose Web API client points at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dragonfly import db
from dragonfly.bootstrap import Services
from tests.fake_slack import BOT_TOKEN, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def slack_services(settings, db_url, fake) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    s = Services(
        settings=settings.model_copy(update={"slack_bot_token": BOT_TOKEN, "slack_api_url": fake.api_url}),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )
    yield s
    s.close()
