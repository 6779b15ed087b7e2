"""Request context: the services, and the caller's role read from the database.

Viewers read; officers act; admins also override tiers, reopen cases and reverse payments.
A refused person is told which role is needed and how to get it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Engine

from bot.parsing import storable
from dragonfly import fastpath
from dragonfly.bootstrap import Services
from dragonfly.errors import Forbidden

ROLE_SQL = "SELECT role FROM v_app_users WHERE slack_user_id = %s"
RANK = {"viewer": 1, "officer": 2, "admin": 3}
# Roles are read from the database and kept this many seconds per process (a grant or a
# revocation takes effect within that time); it saves a round trip on every request.
ROLE_TTL_SECONDS = 5.0


def register(app: App, services: Services) -> None:
    cache: dict[str, tuple[str | None, float]] = {}

    def role_of(user: str) -> str | None:
        now = time.monotonic()
        hit = cache.get(user)
        if hit is not None and hit[1] > now:
            return hit[0]
        role = fastpath.scalar(fastpath.pool(services.engine, services.database_url), ROLE_SQL, (user,))
        if len(cache) > 10_000:
            cache.clear()
        cache[user] = (role, now + ROLE_TTL_SECONDS)
        return role

    @app.middleware
    def dragonfly_context(
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], Any],  # noqa: A002
    ) -> Any:
        refuse_unstorable(body)
        context["services"] = services
        context["role"] = role_of(context.user_id) if context.user_id else None
        return next()


def refuse_unstorable(value: Any) -> None:
    """InvalidInput (a clear sentence, nothing recorded) if any text in the request holds a NUL
    or a lone surrogate: PostgreSQL cannot store either, and they only come from forged or
    corrupted requests, so the whole request is refused before any listener runs."""
    if isinstance(value, str):
        storable(value)
    elif isinstance(value, dict):
        for v in value.values():
            refuse_unstorable(v)
    elif isinstance(value, list):
        for v in value:
            refuse_unstorable(v)


def require(context: BoltContext, role: str, what: str) -> str:
    """The caller's user id if they hold `role` (or a higher one); else Forbidden, naming the role."""
    have = context.get("role")
    if RANK.get(have or "", 0) >= RANK[role]:
        return str(context.user_id)
    held = f"you have {have}" if have else "you have no role yet"
    raise Forbidden(
        f"{what} needs the {role} role; {held}",
        f"Ask an admin to run: dragonfly users grant {context.user_id} {role}",
    )


def reader(services: Services) -> Engine:
    """The engine in autocommit mode, made once per process, for reads that are one statement
    (one statement is one snapshot): no BEGIN and COMMIT round trips around them."""
    engine = services.extras.get("reader")
    if engine is None:
        engine = services.extras["reader"] = services.engine.execution_options(
            isolation_level="AUTOCOMMIT"
        )
    return engine  # type: ignore[no-any-return]


def services_of(context: BoltContext) -> Services:
    return context["services"]  # type: ignore[no-any-return]
