"""The App Home as the outbox worker builds it at send time (issue 12: never in a Slack request).

A `home.publish` row carries only the user id; the worker reads the person's role and the Ops
Console's rows now, so what is published is the book as it is when it is sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot import reads
from bot.blocks.home import no_access, ops_console
from bot.middleware import RANK
from dragonfly.bootstrap import Services


def home_view(services: Services, user: str) -> dict[str, Any]:
    """The view to publish for `user`: the Ops Console for a viewer or higher, else no access."""
    with services.engine.connect() as conn:
        role = conn.execute(text("SELECT role FROM v_app_users WHERE slack_user_id = :u"), {"u": user}).scalar()
        if RANK.get(role or "", 0) < RANK["viewer"]:
            return no_access(user)
        return ops_console(reads.home(conn=conn, user=user), tz=services.settings.tz)


def prepare(services: Services, method: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What a row sends: a `home.publish` becomes views.publish with the view built now."""
    if method == "home.publish":
        user = str(payload["user_id"])
        return method, {"user_id": user, "view": home_view(services, user)}
    return method, payload
