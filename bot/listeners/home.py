"""App Home: the Ops Console, published when the tab is opened or refreshed. It shows balances,
debtor names and payments, so only people with a role (viewer or higher) see it; anyone else
gets a short page saying how to get access."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import ids, reads
from bot.blocks.home import no_access, ops_console
from bot.middleware import RANK, services_of


def publish(context: BoltContext, client: Any, user: str) -> None:
    allowed = RANK.get(context.get("role") or "", 0) >= RANK["viewer"]
    if not allowed or context.user_id != user:
        client.views_publish(user_id=user, view=no_access(user))
        return
    services = services_of(context)
    with services.engine.begin() as conn:
        view = ops_console(reads.home(conn=conn, user=user), tz=services.settings.tz)
    client.views_publish(user_id=user, view=view)


def register(app: App) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext, client: Any) -> None:
        if event.get("tab", "home") == "home":
            publish(context, client, event["user"])

    @app.action(ids.A_REFRESH_HOME)
    def refresh(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        ack()
        publish(context, client, body["user"]["id"])
