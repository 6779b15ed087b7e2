"""App Home: the Ops Console. Opening the tab or pressing refresh only queues "publish home for U"
(one row, coalesced per user) and returns at once: the outbox worker builds the view when it sends
it (scheduler/home.py), so no Slack request waits on reading the book. The view shows balances,
debtor names and payments, so the worker shows it only to people with a role (viewer or higher)
as they are at send time; anyone else gets a short page saying how to get access."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import ids
from bot.middleware import services_of
from dragonfly import rpc


def queue_publish(context: BoltContext, user: str) -> None:
    with rpc.transaction(services_of(context).engine) as conn:
        rpc.enqueue_home_publish(conn, user=user)


def register(app: App) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            queue_publish(context, str(event["user"]))

    @app.action(ids.A_REFRESH_HOME)
    def refresh(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        queue_publish(context, body["user"]["id"])
