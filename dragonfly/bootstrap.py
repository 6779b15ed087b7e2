"""The composition root: builds settings, database engine, document store and Slack client.

Nothing is created at import time; entrypoints call `bootstrap()` once and pass `Services` down.
Tests build `Services` with their own URLs and fakes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from dragonfly import db
from dragonfly.settings import Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from storage.base import DocumentStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything an entrypoint needs, built once."""

    settings: Settings
    database_url: str
    engine: Engine
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def store(self) -> DocumentStore:
        from storage.factory import store_from_url

        return store_from_url(
            self.settings.effective_storage_url,
            max_bytes=self.settings.storage_max_bytes,
            sse=self.settings.storage_sse,
        )

    @cached_property
    def slack(self) -> WebClient:
        from slack_sdk import WebClient

        return WebClient(token=self.settings.slack_bot_token, base_url=self.settings.slack_api_url)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = False, pool_size: int = 5) -> Services:
    """Build the services; with `migrate`, apply pending migrations first."""
    settings = settings or Settings()
    url = db.resolve_url(settings)
    if migrate:
        applied = db.upgrade(url)
        db.sync_timezone(url, settings.dragonfly_timezone)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
    engine = db.make_engine(url, pool_size=pool_size)
    services = Services(settings=settings, database_url=url, engine=engine)
    if settings.admin_ids:
        seed_admins(services)
    return services


def seed_admins(services: Services) -> None:
    """DRAGONFLY_ADMINS are admins: an operator session grants it; the app role re-grants only what is held."""
    from dragonfly import rpc
    from dragonfly.errors import Forbidden

    for user in services.settings.admin_ids:
        try:
            with rpc.transaction(services.engine) as conn:
                rpc.grant_role(conn, slack_user_id=user, role="admin", actor="system:bootstrap")
        except Forbidden:
            # The application's login may not grant roles (README "Security"); an operator's may.
            log.warning(
                "DRAGONFLY_ADMINS: %s is not an admin yet and this login may not grant roles; "
                "run `dragonfly db upgrade` or `dragonfly users grant %s admin` as the owner",
                user,
                user,
            )
